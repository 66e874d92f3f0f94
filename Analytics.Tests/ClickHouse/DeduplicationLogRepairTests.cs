using Analytics.Storage.ClickHouse.Embedded;
using Analytics.Tests.Host;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.ClickHouse;

/// <summary>
/// The deduplication record a killed insert leaves without its part: the real engine, then the file logic case by case.
/// </summary>
public sealed class DeduplicationLogRepairTests(Engines engines) : IDisposable
{
    private const string Insert =
        "INSERT INTO events (property_id, timestamp, name, visitor_id, session_start, session_first, bounce_delta, hostname, pathname) "
        + "SETTINGS insert_deduplication_token = 'spool-batch-7' "
        + "VALUES (1, '2026-11-02 10:00:00', 'pageview', 5, '2026-11-02 10:00:00', 1, 1, 'example.com', '/')";

    private const string Counts =
        "SELECT (SELECT count() FROM events), (SELECT sum(events) FROM sessions), (SELECT sum(events) FROM rollup_property), "
        + "(SELECT sum(events) FROM rollup_hourly), (SELECT sum(events) FROM rollup_daily WHERE dimension = '')";

    private readonly string _files = Directory.CreateTempSubdirectory("dedup-logs-").FullName;

    public void Dispose() => Directory.Delete(_files, recursive: true);

    [Fact]
    public async Task AnInsertKilledBetweenItsRecordAndItsPart_IsStoredOnReplay_InTheRawTableAsInEveryView()
    {
        // The record the kill leaves: the same insert, made in another data directory, shows the block id it writes.
        var elsewhere = Path.Combine(engines.Root, $"dedup-{Guid.NewGuid():N}"[..14]);
        await SqlAsync(elsewhere, Insert);
        var record = File.ReadLines(LogOf(elsewhere, "events")).Last();
        var first = System.Text.RegularExpressions.Regex.Match(record, @"^1\t(202611_(\d+)_\2_0)\t"); // the first insert's part (its block number follows the schema's mutations)
        Assert.True(first.Success, record);
        var part = first.Groups[1].Value;

        // A data directory where that record was written and the process died before the part was renamed into place.
        var data = Path.Combine(engines.Root, $"dedup-{Guid.NewGuid():N}"[..14]);
        await SqlAsync(data, "SELECT 1");
        await File.AppendAllTextAsync(LogOf(data, "events"), record + "\n");

        // The spool replays the batch under the same token.
        var replay = await AnalyticsProcess.RunAsync(data, "sql", Insert);
        Assert.True(replay.Exit == 0, replay.Stderr);
        Assert.Equal("1\t1\t1\t1\t1", await SqlAsync(data, Counts)); // without the repair: 0 in the raw table, 1 in every view
        Assert.Contains($"forgot the deduplication record of an insert cut short by a crash (events: block of part {part})", replay.Stderr, StringComparison.Ordinal);

        // The token still deduplicates once the part exists: a second replay stores nothing.
        var again = await AnalyticsProcess.RunAsync(data, "sql", Insert);
        Assert.True(again.Exit == 0, again.Stderr);
        Assert.DoesNotContain("forgot", again.Stderr, StringComparison.Ordinal);
        Assert.Equal("1\t1\t1\t1\t1", await SqlAsync(data, Counts));
    }

    [Fact]
    public void ARecordWhosePartIsGone_GetsADropRecord_AndRecordsOfPartsOnDiskOrMergedAreKept()
    {
        var logs = Table("202611_1_3_1", "202611_4_4_0", "202612_5_5_0_9", "tmp_insert_202612_7_7_0");
        File.WriteAllText(Path.Combine(logs, "deduplication_log_1.txt"), Lines(
            "1\t202611_1_1_0\ta", // merged into 202611_1_3_1
            "1\t202611_2_2_0\tb",
            "1\t202611_4_4_0\tc", // on disk as it is
            "1\t202612_5_5_0\td")); // on disk, mutated since
        File.WriteAllText(Path.Combine(logs, "deduplication_log_2.txt"), Lines(
            "1\t202612_6_6_0\te", // never renamed: no part holds block 6
            "1\t202612_7_7_0\tf", // only a temporary directory
            "1\t202610_8_8_0\tg", // its partition has no part at all
            "1\t202611_9_9_0\th",
            "2\t202611_9_9_0\th")); // dropped already

        var dropped = DeduplicationLogRepair.RepairTable(Path.GetDirectoryName(logs)!, logs);

        Assert.Equal(["202612_6_6_0", "202612_7_7_0", "202610_8_8_0"], dropped);
        Assert.Equal(
            Lines("1\t202612_6_6_0\te", "1\t202612_7_7_0\tf", "1\t202610_8_8_0\tg", "1\t202611_9_9_0\th", "2\t202611_9_9_0\th",
                "2\t202612_6_6_0\te", "2\t202612_7_7_0\tf", "2\t202610_8_8_0\tg"),
            File.ReadAllText(Path.Combine(logs, "deduplication_log_2.txt")));
        Assert.Empty(DeduplicationLogRepair.RepairTable(Path.GetDirectoryName(logs)!, logs)); // a second pass finds nothing
    }

    [Fact]
    public void ARecordCutShort_IsRemoved_SoTheDropRecordsAfterItAreRead()
    {
        var logs = Table("all_1_1_0");
        var log = Path.Combine(logs, "deduplication_log_10.txt");
        File.WriteAllText(log, Lines("1\tall_1_1_0\ta", "1\tall_2_2_0\tb") + "1\tall_3_3");

        Assert.Equal(["all_2_2_0"], DeduplicationLogRepair.RepairTable(Path.GetDirectoryName(logs)!, logs));
        Assert.Equal(Lines("1\tall_1_1_0\ta", "1\tall_2_2_0\tb", "2\tall_2_2_0\tb"), File.ReadAllText(log));
    }

    [Fact]
    public void NothingIsTouched_WhileAnotherProcessHoldsTheDataDirectory()
    {
        var logs = Table("all_1_1_0");
        var log = Path.Combine(logs, "deduplication_log_1.txt");
        File.WriteAllText(log, Lines("1\tall_2_2_0\tb")); // as a live insert looks between its record and its rename
        var data = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(logs))))!;

        using (new FileStream(Path.Combine(data, "status"), FileMode.Create, FileAccess.ReadWrite, FileShare.None))
        {
            Assert.Empty(DeduplicationLogRepair.Run(data));
        }

        Assert.Equal(Lines("1\tall_2_2_0\tb"), File.ReadAllText(log));
        Assert.Equal( // once free, the same record is a leftover
            [$"{DeduplicationLogRepair.ForgotRecord} (t: block of part all_2_2_0); its replay will be stored."],
            DeduplicationLogRepair.Run(data));
        Assert.True(File.Exists(Path.Combine(data, "status")), "the status file a crashed ClickHouse left is its own, kept");
    }

    [Fact]
    public void ALogThatCannotBeRead_IsReported_AndDoesNotStopTheStart()
    {
        var logs = Table("all_1_1_0");
        File.CreateSymbolicLink(Path.Combine(logs, "deduplication_log_1.txt"), Path.Combine(_files, "gone.txt"));
        var data = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(logs))))!;

        var message = Assert.Single(DeduplicationLogRepair.Run(data));

        Assert.StartsWith("ClickHouse: could not check the deduplication log of t for records a crash left (", message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(data, "status")), "a status file the repair created for its lock is removed");
    }

    /// <summary>A table directory of <c>data/store/abc/UUID</c> with these part directories; returns its log directory.</summary>
    private string Table(params string[] parts)
    {
        const string Uuid = "abc01234-0000-4000-8000-000000000001";
        var table = Path.Combine(_files, "data", "store", "abc", Uuid);
        foreach (var part in parts)
        {
            Directory.CreateDirectory(Path.Combine(table, part));
        }

        Directory.CreateDirectory(Path.Combine(_files, "data", "metadata", "analytics"));
        File.WriteAllText(Path.Combine(_files, "data", "metadata", "analytics", "t.sql"), $"ATTACH TABLE _ UUID '{Uuid}'\n(\n)");
        return Directory.CreateDirectory(Path.Combine(table, "deduplication_logs")).FullName;
    }

    private static string Lines(params string[] lines) => string.Concat(lines.Select(line => line + "\n"));

    private static string LogOf(string data, string table)
    {
        var clickHouse = Path.Combine(data, "clickhouse");
        var uuid = File.ReadLines(Path.Combine(clickHouse, "metadata", "analytics", $"{table}.sql")).First().Split('\'')[1];
        return Directory.GetFiles(Path.Combine(clickHouse, "store", uuid[..3], uuid, "deduplication_logs"), "deduplication_log_*.txt").Order().Last();
    }

    private static async Task<string> SqlAsync(string data, string statement)
    {
        var result = await AnalyticsProcess.RunAsync(data, "sql", statement, "--format", "TSV");
        Assert.True(result.Exit == 0, result.Stderr);
        return result.Stdout.Trim();
    }
}
