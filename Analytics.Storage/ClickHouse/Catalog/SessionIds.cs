namespace Analytics.Storage.ClickHouse.Catalog;

/// <summary>
/// A visit's id, derived from its visitor and the instant it started (both on every event and sessions row), so that
/// neither table stores it: <c>session_id</c> is an <c>ALIAS</c> column of <see cref="Sql"/> in both (migration 0026).
/// It was a random 64-bit number on every event, 3.8 bytes an event of <c>events</c> and 1.4 of <c>sessions</c> on
/// 100M events (docs/benchmarks.md). A visitor has one visit at a time, so no two of a visitor's visits start at the
/// same millisecond; the start's milliseconds times an odd constant (Fibonacci hashing: a bijection of the 64-bit
/// numbers) XOR the visitor's id keeps a visitor's visits apart and spreads them over the 64 bits. Two visitors' visits
/// meet only if their ids differ by exactly that pattern (one chance in 2^64 a pair, visitor ids being keyed hashes).
/// </summary>
public static class SessionIds
{
    /// <summary>2^64 divided by the golden ratio, made odd.</summary>
    private const ulong Spread = 0x9E3779B97F4A7C15;

    /// <summary>The derivation as the tables' <c>ALIAS</c> (a test holds both tables' to it and to <see cref="Of"/>).</summary>
    public const string Sql = "bitXor(visitor_id, toUInt64(toUnixTimestamp64Milli(session_start)) * 11400714819323198485)";

    /// <summary>The id ClickHouse derives for a visit of <paramref name="visitorId"/> that started at <paramref name="sessionStart"/> (UTC, stored to the millisecond).</summary>
    public static ulong Of(ulong visitorId, DateTime sessionStart)
        => visitorId ^ unchecked((ulong)((sessionStart.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond) * Spread);
}
