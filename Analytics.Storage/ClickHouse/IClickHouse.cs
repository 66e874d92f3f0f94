namespace Analytics.Storage.ClickHouse;

/// <summary>
/// One ClickHouse database, reached through either engine (embedded chDB or a server over HTTP).
/// The SQL is the same for both: placeholders are ClickHouse's own <c>{name:Type}</c>, bound by the engine.
/// </summary>
public interface IClickHouse
{
    /// <summary>The database every unqualified table name resolves in.</summary>
    string Database { get; }

    /// <summary>Runs a statement that returns no rows (DDL, ALTER, INSERT ... SELECT).</summary>
    Task ExecuteAsync(string sql, object? parameters = null, ClickHouseSettings? settings = null, CancellationToken cancellationToken = default);

    /// <summary>Runs a query and maps each row (JSONEachRow, snake_case columns) onto <typeparamref name="T"/>.</summary>
    Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters = null, ClickHouseSettings? settings = null, CancellationToken cancellationToken = default);

    /// <summary>Runs a query and returns its output in the given ClickHouse format, untouched.</summary>
    Task<byte[]> QueryRawAsync(string sql, string format, object? parameters = null, ClickHouseSettings? settings = null, CancellationToken cancellationToken = default);

    /// <summary>Inserts rows already encoded as JSONEachRow (one object per line) into <paramref name="table"/>.</summary>
    Task InsertAsync(string table, ReadOnlyMemory<byte> jsonEachRow, ClickHouseSettings? settings = null, CancellationToken cancellationToken = default);

    /// <summary>Inserts rows encoded in <paramref name="format"/> (e.g. RowBinary, whose values carry no names) into the named columns of <paramref name="table"/>.</summary>
    Task InsertAsync(string table, IReadOnlyList<string> columns, string format, ReadOnlyMemory<byte> rows, ClickHouseSettings? settings = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes every insert this engine has confirmed survive a power loss, not only a crash of this process. The embedded
    /// engine syncs the file system its data is on (ClickHouse writes parts without fsync by default); a server keeps
    /// its own durability (its <c>fsync_after_insert</c> table setting, replication), so there it returns at once.
    /// </summary>
    Task FlushToDiskAsync(CancellationToken cancellationToken = default);

    /// <summary>The same engine bound to another database.</summary>
    IClickHouse WithDatabase(string database);
}
