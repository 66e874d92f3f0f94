using System.Security.Cryptography;
using Npgsql;

namespace Analytics.Ingest.Visitors;

/// <summary>
/// The daily visitor-hash salts in PostgreSQL: one random 32-byte salt per UTC day, shared by every collect replica.
/// Yesterday's is kept so a session can span midnight; anything older is deleted, after which yesterday's visitors
/// cannot be linked to today's by anyone, the operator included. (Plain Npgsql: Dapper cannot bind DateOnly.)
/// </summary>
internal sealed class SaltStore(NpgsqlDataSource dataSource)
{
    /// <summary>Today's salt (created if missing) and yesterday's (null if none), deleting older ones.</summary>
    public async Task<(byte[] Current, byte[]? Previous)> GetAsync(DateOnly today, CancellationToken cancellationToken)
    {
        var yesterday = today.AddDays(-1);
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command("INSERT INTO visitor_salts (day, salt) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING", today, RandomNumberGenerator.GetBytes(32)));
        batch.BatchCommands.Add(Command("DELETE FROM visitor_salts WHERE day < $1", yesterday));
        batch.BatchCommands.Add(Command("SELECT day, salt FROM visitor_salts WHERE day >= $1", yesterday));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var salts = new Dictionary<DateOnly, byte[]>();
        while (await reader.ReadAsync(cancellationToken))
        {
            salts[reader.GetFieldValue<DateOnly>(0)] = reader.GetFieldValue<byte[]>(1);
        }

        return (salts[today], salts.GetValueOrDefault(yesterday));
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }
}
