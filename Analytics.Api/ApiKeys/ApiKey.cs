namespace Analytics.Api.ApiKeys;

/// <summary>
/// An API key as listed: never the key itself, only its prefix. It reads every property its owner may read
/// (<see cref="AllProperties"/>; a key without an owner is the instance's and reads every property), or only those
/// it was created for.
/// </summary>
public sealed record ApiKey(long Id, long? UserId, string Name, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt, bool AllProperties);
