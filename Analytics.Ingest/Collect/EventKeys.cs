using System.Collections.Concurrent;
using Analytics.Storage.ApiKeys;
using Analytics.Storage.Hosting;

namespace Analytics.Ingest.Collect;

/// <summary>
/// The API keys that backends present to collect (server-side tracking), with the properties each reaches, kept for a
/// minute: collect would otherwise ask PostgreSQL on every event. So a revoked key stops working within a minute.
/// Only live keys are kept (by their hash, never the secret), at most <see cref="Capacity"/> of them.
/// </summary>
internal sealed class EventKeys(ApiKeyStore keys, TimeProvider clock)
{
    private const int Capacity = 10_000;
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Sender> _live = new(StringComparer.Ordinal);

    /// <summary>A live key and the properties it may send events for.</summary>
    public sealed record Sender(ApiKey Key, IReadOnlySet<long> Properties, DateTimeOffset Expires);

    /// <summary>The live key of a token if this instance has seen it in the last minute, without asking PostgreSQL.</summary>
    public Sender? Known(string token)
        => _live.TryGetValue(Convert.ToHexString(Secrets.Hash(token)), out var sender) && sender.Expires > clock.GetUtcNow() ? sender : null;

    /// <summary>Asks PostgreSQL for the live key of a token not <see cref="Known"/> here: null when it is unknown or revoked.</summary>
    public async Task<Sender?> FindAsync(string token, CancellationToken cancellationToken)
    {
        if (await keys.AuthenticateAsync(token, cancellationToken) is not { } key)
        {
            return null;
        }

        var properties = (await keys.ReadablePropertiesAsync(key, cancellationToken)).Select(p => p.Id).ToHashSet();
        if (_live.Count >= Capacity)
        {
            _live.Clear();
        }

        var sender = new Sender(key, properties, clock.GetUtcNow() + Lifetime);
        _live[Convert.ToHexString(Secrets.Hash(token))] = sender;
        return sender;
    }
}
