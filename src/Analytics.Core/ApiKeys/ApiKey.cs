namespace Analytics.ApiKeys;

/// <summary>An API key as listed: never the key itself, only its prefix.</summary>
public sealed record ApiKey(long Id, long? UserId, string Name, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);
