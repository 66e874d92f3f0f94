using Analytics.Properties;

namespace Analytics.Ingest.Collect;

/// <summary>
/// Domain -> property for the collect path, held in memory and reloaded from PostgreSQL at most every few seconds,
/// so a request never waits on PostgreSQL and a new property starts counting within seconds of being added.
/// </summary>
public sealed class PropertyDirectory(PropertyStore properties, TimeProvider clock) : IDisposable
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile Snapshot _snapshot = new(new Dictionary<string, Property>(StringComparer.OrdinalIgnoreCase), DateTimeOffset.MinValue);

    public async ValueTask<Property?> FindAsync(string domain, CancellationToken cancellationToken)
    {
        var key = Normalize(domain);
        var snapshot = _snapshot;
        if (snapshot.Properties.TryGetValue(key, out var property))
        {
            return property;
        }

        if (clock.GetUtcNow() - snapshot.LoadedAt < MaxAge)
        {
            return null; // unknown, and the list is fresh: do not hit PostgreSQL for every stray domain
        }

        await _reload.WaitAsync(cancellationToken);
        try
        {
            if (clock.GetUtcNow() - _snapshot.LoadedAt >= MaxAge)
            {
                var all = await properties.ListAsync(cancellationToken);
                _snapshot = new Snapshot(all.ToDictionary(p => p.Domain, StringComparer.OrdinalIgnoreCase), clock.GetUtcNow());
            }

            return _snapshot.Properties.GetValueOrDefault(key);
        }
        finally
        {
            _reload.Release();
        }
    }

    private static string Normalize(string domain)
    {
        var d = domain.Trim().ToLowerInvariant();
        return d.StartsWith("www.", StringComparison.Ordinal) ? d[4..] : d;
    }

    private sealed record Snapshot(Dictionary<string, Property> Properties, DateTimeOffset LoadedAt);

    public void Dispose() => _reload.Dispose();
}
