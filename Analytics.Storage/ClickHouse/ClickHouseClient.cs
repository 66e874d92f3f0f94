namespace Analytics.Storage.ClickHouse;

/// <summary>The engine-neutral half of both engines: typed reads, inserts and statements over one primitive round trip.</summary>
internal abstract class ClickHouseClient : IClickHouse
{
    protected ClickHouseClient(string database)
    {
        ClickHouseIdentifiers.EnsureValid(database, nameof(database));
        Database = database;
    }

    public string Database { get; }

    public async Task ExecuteAsync(string sql, object? parameters = null, ClickHouseSettings? settings = null, CancellationToken cancellationToken = default)
        => await SendAsync(new ClickHouseCommand(sql, null, QueryParameterFormatter.Format(parameters), settings), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters = null, ClickHouseSettings? settings = null, CancellationToken cancellationToken = default)
    {
        var output = await SendAsync(new ClickHouseCommand(sql, "JSONEachRow", QueryParameterFormatter.Format(parameters), settings), cancellationToken).ConfigureAwait(false);
        return ClickHouseJson.Decode<T>(output);
    }

    public Task<byte[]> QueryRawAsync(string sql, string format, object? parameters = null, ClickHouseSettings? settings = null, CancellationToken cancellationToken = default)
        => SendAsync(new ClickHouseCommand(sql, format, QueryParameterFormatter.Format(parameters), settings), cancellationToken);

    public Task InsertAsync(string table, ReadOnlyMemory<byte> jsonEachRow, ClickHouseSettings? settings = null, CancellationToken cancellationToken = default)
        => InsertAsync(table, [], "JSONEachRow", jsonEachRow, settings, cancellationToken);

    public async Task InsertAsync(string table, IReadOnlyList<string> columns, string format, ReadOnlyMemory<byte> rows, ClickHouseSettings? settings = null, CancellationToken cancellationToken = default)
    {
        ClickHouseIdentifiers.EnsureValid(table, nameof(table));
        ClickHouseIdentifiers.EnsureValid(format, nameof(format));
        foreach (var column in columns)
        {
            ClickHouseIdentifiers.EnsureValid(column, nameof(columns));
        }

        if (rows.IsEmpty)
        {
            return;
        }

        var target = columns.Count == 0 ? table : $"{table} ({string.Join(", ", columns)})";
        await SendAsync(new ClickHouseCommand($"INSERT INTO {target}", format, [], settings, rows), cancellationToken).ConfigureAwait(false);
    }

    public abstract IClickHouse WithDatabase(string database);

    public abstract Task FlushToDiskAsync(CancellationToken cancellationToken = default);

    /// <summary>One round trip. Returns the output bytes (empty for statements that return nothing).</summary>
    protected abstract Task<byte[]> SendAsync(ClickHouseCommand command, CancellationToken cancellationToken);
}
