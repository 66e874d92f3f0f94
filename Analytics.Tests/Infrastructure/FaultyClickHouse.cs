using Analytics.Storage.ClickHouse;

namespace Analytics.Tests.Infrastructure;

/// <summary>
/// Fault injection in front of a real ClickHouse: while <see cref="Failing"/> is set, every insert fails, alternately
/// as ClickHouse reports an unreachable server and as an HTTP client's timeout does (an exception that is not a
/// ClickHouseException); while <see cref="FlushFailing"/> is set, inserts go in but making them durable fails.
/// Everything else goes to the real engine.
/// </summary>
public sealed class FaultyClickHouse(IClickHouse inner) : IClickHouse
{
    private int _failed;

    public volatile bool Failing;

    public volatile bool FlushFailing;

    /// <summary>Inserts refused so far.</summary>
    public int Failed => Volatile.Read(ref _failed);

    public string Database => inner.Database;

    public Task ExecuteAsync(string sql, object? parameters = null, ClickHouseSettings? settings = null, CancellationToken cancellationToken = default)
        => inner.ExecuteAsync(sql, parameters, settings, cancellationToken);

    public Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters = null, ClickHouseSettings? settings = null, CancellationToken cancellationToken = default)
        => inner.QueryAsync<T>(sql, parameters, settings, cancellationToken);

    public Task<byte[]> QueryRawAsync(string sql, string format, object? parameters = null, ClickHouseSettings? settings = null, CancellationToken cancellationToken = default)
        => inner.QueryRawAsync(sql, format, parameters, settings, cancellationToken);

    public Task InsertAsync(string table, ReadOnlyMemory<byte> jsonEachRow, ClickHouseSettings? settings = null, CancellationToken cancellationToken = default)
        => Fault() ?? inner.InsertAsync(table, jsonEachRow, settings, cancellationToken);

    public Task InsertAsync(string table, IReadOnlyList<string> columns, string format, ReadOnlyMemory<byte> rows, ClickHouseSettings? settings = null, CancellationToken cancellationToken = default)
        => Fault() ?? inner.InsertAsync(table, columns, format, rows, settings, cancellationToken);

    public Task FlushToDiskAsync(CancellationToken cancellationToken = default)
        => FlushFailing ? Task.FromException(new IOException("syncfs failed: Input/output error (fault injected)")) : inner.FlushToDiskAsync(cancellationToken);

    public IClickHouse WithDatabase(string database) => new FaultyClickHouse(inner.WithDatabase(database)) { Failing = Failing, FlushFailing = FlushFailing };

    private Task? Fault()
    {
        if (!Failing)
        {
            return null;
        }

        return Interlocked.Increment(ref _failed) % 2 == 0
            ? Task.FromException(new ClickHouseException(0, "ClickHouse at http://clickhouse:8123/ could not be reached: Connection refused (fault injected)", null))
            : Task.FromException(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing (fault injected)."));
    }
}
