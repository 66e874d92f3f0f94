using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Analytics.Ingest.Visitors;

namespace Analytics.Ingest.Visitors;

/// <summary>
/// Cookieless visitor ids: HMAC-SHA256 keyed with the day's secret salt over (property, IP address, user agent),
/// truncated to 64 bits. The IP address is used here and for the geo lookup, then dropped: it is never stored or logged.
/// The same person gets another id tomorrow, and on another site today.
/// </summary>
internal sealed class VisitorIds(SaltStore salts, TimeProvider clock) : IDisposable
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Salted? _salted;

    // This thread's HMAC and the salt it is keyed with. Keying an HMAC for each event (HMACSHA256.HashData) cost
    // 1.6 µs of collect's CPU an event; reusing a keyed one costs 0.75 (200,000 ids, Release build).
    [ThreadStatic]
    private static (byte[] Salt, IncrementalHash Hmac)? t_keyed;

    /// <summary>The visitor's id under today's salt (and, on demand, under yesterday's, for a session that started before midnight).</summary>
    public async ValueTask<VisitorId> ComputeAsync(long propertyId, string ip, string userAgent, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var salted = _salted;
        if (salted is null || salted.Day != today)
        {
            salted = await RefreshAsync(today, cancellationToken);
        }

        return new VisitorId(Hash(salted.Current, propertyId, ip, userAgent), salted.Previous, propertyId, ip, userAgent);
    }

    internal static ulong Hash(byte[] salt, long propertyId, string ip, string userAgent)
    {
        if (t_keyed is not { } keyed || !ReferenceEquals(keyed.Salt, salt))
        {
            t_keyed?.Hmac.Dispose();
            keyed = (salt, IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, salt));
            t_keyed = keyed;
        }

        keyed.Hmac.AppendData(Encoding.UTF8.GetBytes($"{propertyId}\n{ip}\n{userAgent}"));
        Span<byte> digest = stackalloc byte[32];
        keyed.Hmac.GetHashAndReset(digest);
        return BinaryPrimitives.ReadUInt64LittleEndian(digest);
    }

    private async Task<Salted> RefreshAsync(DateOnly today, CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_salted is { } fresh && fresh.Day == today)
            {
                return fresh;
            }

            var (current, previous) = await salts.GetAsync(today, cancellationToken);
            return _salted = new Salted(today, current, previous);
        }
        finally
        {
            _refresh.Release();
        }
    }

    private sealed record Salted(DateOnly Day, byte[] Current, byte[]? Previous);

    public void Dispose() => _refresh.Dispose();
}
