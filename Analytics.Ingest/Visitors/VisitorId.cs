namespace Analytics.Ingest.Visitors;

/// <summary>
/// A visitor's id under today's salt, and what it takes to compute the id under yesterday's. That one is needed only
/// when today's id has no live session (a visit running past midnight), so it is computed only then.
/// </summary>
internal readonly record struct VisitorId(ulong Current, byte[]? PreviousSalt, long PropertyId, string Ip, string UserAgent)
{
    public ulong? Previous() => PreviousSalt is null ? null : VisitorIds.Hash(PreviousSalt, PropertyId, Ip, UserAgent);
}
