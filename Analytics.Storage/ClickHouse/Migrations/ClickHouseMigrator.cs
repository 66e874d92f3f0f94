using Analytics.Storage.Hosting;
using Microsoft.Extensions.Logging;

namespace Analytics.Storage.ClickHouse.Migrations;

/// <summary>
/// Applies <c>schema/clickhouse/*.sql</c> in order, recording each in <c>schema_migrations</c>. Safe to run again:
/// applied versions are skipped, and every statement is written to be idempotent (IF NOT EXISTS) so a run that
/// stopped half-way through a file completes on the next start. A file can leave work to code
/// (<see cref="IClickHouseDataMigration"/>, named on a line <c>-- code: Name</c>), which runs before the file is recorded.
/// </summary>
public sealed class ClickHouseMigrator(IClickHouse clickHouse, ILogger<ClickHouseMigrator> logger, IEnumerable<IClickHouseDataMigration>? dataMigrations = null)
{
    private const string CodeMarker = "-- code: ";

    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await clickHouse.WithDatabase("default")
            .ExecuteAsync($"CREATE DATABASE IF NOT EXISTS {clickHouse.Database}", cancellationToken: cancellationToken).ConfigureAwait(false);
        await clickHouse.ExecuteAsync(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations
            (
                version UInt32,
                name String,
                checksum String,
                applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
            )
            ENGINE = MergeTree ORDER BY version
            """, cancellationToken: cancellationToken).ConfigureAwait(false);

        var applied = (await clickHouse.QueryAsync<AppliedMigration>(
            "SELECT version, checksum FROM schema_migrations", cancellationToken: cancellationToken).ConfigureAwait(false))
            .ToDictionary(m => m.Version, m => m.Checksum);
        var count = 0;
        foreach (var file in SchemaFile.Load("clickhouse"))
        {
            if (applied.TryGetValue((uint)file.Version, out var checksum))
            {
                if (checksum != file.Checksum)
                {
                    logger.LogWarning("ClickHouse migration {Name} changed after it was applied; migrations are forward-only, add a new file instead.", file.Name);
                }

                continue;
            }

            logger.LogInformation("Applying ClickHouse migration {Name} to {Database}", file.Name, clickHouse.Database);
            foreach (var statement in file.Statements())
            {
                await clickHouse.ExecuteAsync(statement, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            foreach (var name in file.Sql.Split('\n').Where(l => l.StartsWith(CodeMarker, StringComparison.Ordinal)).Select(l => l[CodeMarker.Length..].Trim()))
            {
                await RunCodeAsync(file, name, cancellationToken).ConfigureAwait(false);
            }

            await clickHouse.ExecuteAsync(
                "INSERT INTO schema_migrations (version, name, checksum) SELECT {version:UInt32}, {name:String}, {checksum:String}",
                new { version = file.Version, name = file.Name, checksum = file.Checksum },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            count++;
        }

        return count;
    }

    private async Task RunCodeAsync(SchemaFile file, string name, CancellationToken cancellationToken)
    {
        var migration = dataMigrations?.FirstOrDefault(m => m.Name == name);
        if (migration is null)
        {
            // Without events there is nothing to compute (a new database, a scratch one); with events, stopping is the
            // only safe answer: recording the file without its rows would leave them missing for good.
            var events = await clickHouse.QueryAsync<Count>("SELECT count() AS rows FROM events", cancellationToken: cancellationToken).ConfigureAwait(false);
            if (events[0].Rows == 0)
            {
                return;
            }

            throw new InvalidOperationException($"ClickHouse migration {file.Name} needs {name}, which this process does not register; start the server (analytics serve) to apply it.");
        }

        logger.LogInformation("Running {Name} for ClickHouse migration {File}", name, file.Name);
        await migration.RunAsync(clickHouse, cancellationToken).ConfigureAwait(false);
    }

    private sealed record AppliedMigration(uint Version, string Checksum);

    private sealed record Count(ulong Rows);
}
