namespace Analytics.Storage.ClickHouse.Embedded;

/// <summary>One database of the process's chDB session.</summary>
internal sealed class EmbeddedClickHouse(ChdbSession session, string database) : ClickHouseClient(database)
{
    public override IClickHouse WithDatabase(string database) => new EmbeddedClickHouse(session, database);

    /// <summary>One syncfs of the data's file system: parts, their directories and the deduplication log in one call.</summary>
    public override Task FlushToDiskAsync(CancellationToken cancellationToken = default)
        => Task.Run(() => Analytics.Storage.Hosting.Posix.SyncFileSystem(session.DataPath), cancellationToken);

    protected override async Task<byte[]> SendAsync(ClickHouseCommand command, CancellationToken cancellationToken)
    {
        if (command.Data is not { } data || !IsBinary(command.Format))
        {
            return await session.RunAsync(Database, command, cancellationToken).ConfigureAwait(false);
        }

        // Binary rows (RowBinary, Native) cannot ride inline after the query text as text formats do (measured: where
        // the data holds two newline bytes in a row, chDB loses one and the insert fails), so ClickHouse reads them
        // from a file.
        var directory = Path.Combine(session.DataPath, "tmp", "inserts");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(path, data, cancellationToken).ConfigureAwait(false);
        try
        {
            var quoted = path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);
            var insert = command with { Sql = $"{command.Sql} SELECT * FROM file('{quoted}', {command.Format})", Format = null, Data = null };
            return await session.RunAsync(Database, insert, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static bool IsBinary(string? format) => format == "Native" || format?.StartsWith("RowBinary", StringComparison.Ordinal) == true;
}
