using Analytics.Storage.Properties;

namespace Analytics.Ingest.Collect;

/// <summary>
/// Domain -> property for the collect path, held in memory and reloaded from PostgreSQL every few seconds, so a request
/// rarely waits on PostgreSQL, a new property starts counting within seconds of being added, and a changed or deleted
/// one is followed as soon.
/// </summary>
internal sealed class PropertyDirectory(PropertyStore properties, TimeProvider clock) : IDisposable
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
            // A known property's settings (hostnames, Do Not Track, deletion) are followed within seconds too: one
            // request reloads the list when it is old, the others go on with it meanwhile.
            if (clock.GetUtcNow() - snapshot.LoadedAt >= MaxAge && _reload.Wait(0, CancellationToken.None))
            {
                try
                {
                    await ReloadAsync(cancellationToken);
                }
                finally
                {
                    _reload.Release();
                }

                return _snapshot.Properties.GetValueOrDefault(key);
            }

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
                await ReloadAsync(cancellationToken);
            }

            return _snapshot.Properties.GetValueOrDefault(key);
        }
        finally
        {
            _reload.Release();
        }
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var all = await properties.ListAsync(cancellationToken);
        _snapshot = new Snapshot(all.ToDictionary(p => p.Domain, StringComparer.OrdinalIgnoreCase), clock.GetUtcNow());
    }

    private static string Normalize(string domain)
    {
        var d = domain.Trim().ToLowerInvariant();
        return d.StartsWith("www.", StringComparison.Ordinal) ? d[4..] : d;
    }

    private sealed record Snapshot(Dictionary<string, Property> Properties, DateTimeOffset LoadedAt);

    public void Dispose() => _reload.Dispose();
}
