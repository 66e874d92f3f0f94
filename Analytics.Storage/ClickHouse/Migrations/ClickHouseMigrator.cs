using Analytics.Storage.Hosting;
using Microsoft.Extensions.Logging;

namespace Analytics.Storage.ClickHouse.Migrations;

/// <summary>
/// Applies <c>schema/clickhouse/*.sql</c> in order, recording each in <c>schema_migrations</c>. Safe to run again:
/// applied versions are skipped, and every statement is written to be idempotent (IF NOT EXISTS) so a run that
/// stopped half-way through a file completes on the next start. A file can leave work to code
/// (<see cref="IClickHouseDataMigration"/>, named on a line <c>-- code: Name</c>), which runs before the file is recorded,
/// or ask for tables to be written again (a line <c>-- rewrite: table, table</c>; see <see cref="RewriteAsync"/>). Code that
/// needs nothing but ClickHouse is part of the migrator (<see cref="SessionsConversion"/>, <see cref="VisitPages"/>); the rest is registered.
/// </summary>
public sealed class ClickHouseMigrator(IClickHouse clickHouse, ILogger<ClickHouseMigrator> logger, IEnumerable<IClickHouseDataMigration>? dataMigrations = null)
{
    private readonly IReadOnlyList<IClickHouseDataMigration> _code = [SessionsConversion.PlainAttributes(logger), SessionsConversion.ByVisitor(logger), new VisitPages(logger), SessionsConversion.DerivedIds(logger), SessionsConversion.WithoutStates(logger), .. dataMigrations ?? []];

    private const string CodeMarker = "-- code: ";
    private const string RewriteMarker = "-- rewrite: ";
    private const string RewriteProgress = "schema_rewrites";

    /// <summary>What the migrator is doing now (the file it applies, the partition it writes), for the server's answer while it upgrades.</summary>
    public string Status { get; private set; } = "not started";

    /// <summary>
    /// Whether a pending migration has work that takes time with stored events (code, or tables to write again) and
    /// there are events: <c>serve</c> then applies the migrations while it serves (<see cref="ClickHouseUpgrade"/>).
    /// </summary>
    public async Task<bool> HasDataWorkPendingAsync(CancellationToken cancellationToken)
    {
        var tables = (await clickHouse.WithDatabase("default").QueryAsync<TableName>(
            "SELECT name AS value FROM system.tables WHERE database = {database:String} AND name IN ('schema_migrations', 'events')",
            new { database = clickHouse.Database }, cancellationToken: cancellationToken).ConfigureAwait(false)).Select(t => t.Value).ToList();
        if (tables.Count < 2)
        {
            return false;
        }

        var applied = await AppliedAsync(cancellationToken).ConfigureAwait(false);
        return SchemaFile.Load("clickhouse").Any(f => !applied.ContainsKey((uint)f.Version) && (Directive(f, CodeMarker).Any() || Directive(f, RewriteMarker).Any()))
            && await HasEventsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The applied migrations' versions and checksums.</summary>
    private async Task<Dictionary<uint, string>> AppliedAsync(CancellationToken cancellationToken)
        => (await clickHouse.QueryAsync<AppliedMigration>("SELECT version, checksum FROM schema_migrations", cancellationToken: cancellationToken).ConfigureAwait(false))
            .ToDictionary(m => m.Version, m => m.Checksum);

    private async Task<bool> HasEventsAsync(CancellationToken cancellationToken)
        => (await clickHouse.QueryAsync<Count>("SELECT count() AS rows FROM events", cancellationToken: cancellationToken).ConfigureAwait(false))[0].Rows > 0;

    /// <summary>Applies the pending migrations, up to version <paramref name="through"/> when given (a directory as an earlier release left it); the number applied.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken, int? through = null)
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

        var applied = await AppliedAsync(cancellationToken).ConfigureAwait(false);
        var count = 0;
        foreach (var file in SchemaFile.Load("clickhouse").Where(f => f.Version <= (through ?? int.MaxValue)))
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
            Status = $"applying migration {file.Name}";
            foreach (var statement in file.Statements())
            {
                await clickHouse.ExecuteAsync(statement, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            foreach (var name in Directive(file, CodeMarker))
            {
                await RunCodeAsync(file, name, cancellationToken).ConfigureAwait(false);
            }

            var rewrites = Directive(file, RewriteMarker).SelectMany(l => l.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
            foreach (var table in rewrites)
            {
                await RewriteAsync(file, table, cancellationToken).ConfigureAwait(false);
            }

            await clickHouse.ExecuteAsync(
                "INSERT INTO schema_migrations (version, name, checksum) SELECT {version:UInt32}, {name:String}, {checksum:String}",
                new { version = file.Version, name = file.Name, checksum = file.Checksum },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (rewrites.Count > 0)
            {
                await clickHouse.ExecuteAsync($"DROP TABLE IF EXISTS {RewriteProgress}", cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            count++;
        }

        Status = "done";
        return count;
    }

    /// <summary>The values of a file's <paramref name="marker"/> lines.</summary>
    private static IEnumerable<string> Directive(SchemaFile file, string marker)
        => file.Sql.Split('\n').Where(l => l.StartsWith(marker, StringComparison.Ordinal)).Select(l => l[marker.Length..].Trim());

    /// <summary>
    /// Writes every part of <paramref name="table"/> again with the table's definition as it is now (its codecs, its
    /// columns' defaults): each partition merged anew (OPTIMIZE ... FINAL), oldest first, and recorded in
    /// <c>schema_rewrites</c> as it completes, so a run that stops resumes with the next one. The file's record ends it
    /// (the progress table is dropped). Rows do not change; inserts may go on meanwhile.
    /// </summary>
    private async Task RewriteAsync(SchemaFile file, string table, CancellationToken cancellationToken)
    {
        await clickHouse.ExecuteAsync(
            $"CREATE TABLE IF NOT EXISTS {RewriteProgress} (version UInt32, table String, partition_id String, rewritten_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = MergeTree ORDER BY (version, table, partition_id)",
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var done = (await clickHouse.QueryAsync<PartitionId>(
            $"SELECT partition_id AS id FROM {RewriteProgress} WHERE version = {{version:UInt32}} AND table = {{table:String}}",
            new { version = file.Version, table }, cancellationToken: cancellationToken).ConfigureAwait(false)).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var partitions = await ListPartitionsAsync(clickHouse, table, cancellationToken).ConfigureAwait(false);
        var total = partitions.Sum(p => (decimal)p.Rows);
        var written = partitions.Where(p => done.Contains(p.Id)).Sum(p => (decimal)p.Rows);
        foreach (var (partition, index) in partitions.Select((p, i) => (p, i)).Where(x => !done.Contains(x.p.Id)))
        {
            await clickHouse.ExecuteAsync($"OPTIMIZE TABLE {table} PARTITION ID '{partition.Id}' FINAL", cancellationToken: cancellationToken).ConfigureAwait(false);
            await clickHouse.ExecuteAsync(
                $"INSERT INTO {RewriteProgress} (version, table, partition_id) SELECT {{version:UInt32}}, {{table:String}}, {{id:String}}",
                new { version = file.Version, table, id = partition.Id }, cancellationToken: cancellationToken).ConfigureAwait(false);
            written += partition.Rows;
            Status = $"applying migration {file.Name}: {table} written again, {index + 1} of {partitions.Count} partitions";
            logger.LogInformation("Migration {Name}: wrote {Table} partition {Partition} again ({Index} of {Count}; {Percent:0}% of its {Rows:N0} rows)",
                file.Name, table, partition.Id, index + 1, partitions.Count, total == 0 ? 100 : 100 * written / total, total);
        }
    }

    private async Task RunCodeAsync(SchemaFile file, string name, CancellationToken cancellationToken)
    {
        var migration = _code.FirstOrDefault(m => m.Name == name);
        if (migration is null)
        {
            // Without events there is nothing to compute (a new database, a scratch one); with events, stopping is the
            // only safe answer: recording the file without its rows would leave them missing for good.
            if (!await HasEventsAsync(cancellationToken).ConfigureAwait(false))
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

    private sealed record PartitionId(string Id);

    private sealed record TableName(string Value);

    /// <summary>
    /// The active partitions of <paramref name="table"/>, oldest first, with their rows. Each id is ClickHouse's own name
    /// of the partition (digits, letters, '-', '_'), checked here, so a statement may quote it.
    /// </summary>
    internal static async Task<IReadOnlyList<Partition>> ListPartitionsAsync(IClickHouse clickHouse, string table, CancellationToken cancellationToken)
    {
        var partitions = await clickHouse.QueryAsync<Partition>(
            "SELECT partition_id AS id, sum(rows) AS rows FROM system.parts WHERE database = currentDatabase() AND table = {table:String} AND active GROUP BY partition_id ORDER BY partition_id",
            new { table }, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (partitions.FirstOrDefault(p => !p.Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) is { } odd)
        {
            throw new InvalidOperationException($"Table {table} has a partition id ClickHouse should not make: '{odd.Id}'.");
        }

        return partitions;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on each partition of the <c>sessions</c> table, oldest first, that
    /// <paramref name="recorded"/> (a table this makes when missing) does not list, and records each as it completes, so
    /// that a run stopped half-way resumes with the next. <paramref name="progress"/> gets each partition's id, its index
    /// and the count, and the share of the table's rows done with their total.
    /// </summary>
    internal static async Task ForEachSessionsPartitionAsync(
        IClickHouse clickHouse, string recorded, Func<Partition, Task> work, Action<string, int, int, decimal, decimal> progress, CancellationToken cancellationToken)
    {
        await clickHouse.ExecuteAsync($"CREATE TABLE IF NOT EXISTS {recorded} (partition_id String) ENGINE = MergeTree ORDER BY partition_id", cancellationToken: cancellationToken).ConfigureAwait(false);
        var done = (await clickHouse.QueryAsync<PartitionId>($"SELECT partition_id AS id FROM {recorded}", cancellationToken: cancellationToken).ConfigureAwait(false))
            .Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var partitions = await ListPartitionsAsync(clickHouse, "sessions", cancellationToken).ConfigureAwait(false);
        var total = partitions.Sum(p => (decimal)p.Rows);
        var written = partitions.Where(p => done.Contains(p.Id)).Sum(p => (decimal)p.Rows);
        foreach (var (partition, index) in partitions.Select((p, i) => (p, i)).Where(x => !done.Contains(x.p.Id)))
        {
            await work(partition).ConfigureAwait(false);
            await clickHouse.ExecuteAsync($"INSERT INTO {recorded} SELECT {{partition:String}}", new { partition = partition.Id }, Recording, cancellationToken).ConfigureAwait(false);
            written += partition.Rows;
            progress(partition.Id, index + 1, partitions.Count, total == 0 ? 100 : 100 * written / total, total);
        }
    }

    /// <summary>Never take a record's insert for the repeat of an earlier one (a partition written again after a stop).</summary>
    private static readonly ClickHouseSettings Recording = new() { ["insert_deduplicate"] = "0" };

    internal sealed record Partition(string Id, ulong Rows);
}
