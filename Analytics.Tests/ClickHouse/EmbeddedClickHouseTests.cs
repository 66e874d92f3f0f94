using Analytics.Storage.ClickHouse;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.ClickHouse;

public sealed class EmbeddedClickHouseTests(Engines engines)
{
    private sealed record Row(ulong Id, string Text, DateTime At);

    private sealed record Value(string V);

    [Fact]
    public void NullReferenceException_AfterChdbStarted_IsCaughtNotFatal()
    {
        // With chDB's own SIGSEGV handler in place this kills the process (exit 139); the handlers are restored at start.
        string? nothing = Environment.GetEnvironmentVariable("ANALYTICS_TEST_UNSET_" + Guid.NewGuid().ToString("N"));
        Assert.Throws<NullReferenceException>(() => nothing!.Length);
        var zero = int.Parse("0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Throws<DivideByZeroException>(() => 1 / zero);
    }

    [Fact]
    public async Task QueryAsync_BindsParametersServerSide_AndMapsTypedRows()
    {
        var clickHouse = await engines.NewBareClickHouseAsync();
        await clickHouse.ExecuteAsync("CREATE TABLE t (id UInt64, text String, at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY id");
        Row[] rows = [new(1, "plain", new DateTime(2024, 3, 31, 1, 30, 0, 500, DateTimeKind.Utc)), new(ulong.MaxValue, "it's \"quoted\"\ttab\\slash\nline", new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc))];
        await clickHouse.InsertAsync("t", ClickHouseJson.Encode(rows));

        var all = await clickHouse.QueryAsync<Row>("SELECT id, text, at FROM t ORDER BY id");
        Assert.Equal(rows, all);

        var one = await clickHouse.QueryAsync<Row>("SELECT id, text, at FROM t WHERE text = {text:String}", new { text = rows[1].Text });
        Assert.Equal(ulong.MaxValue, Assert.Single(one).Id);

        var after = await clickHouse.QueryAsync<Row>("SELECT id, text, at FROM t WHERE at > {from:DateTime64(3)}", new { from = new DateTime(2024, 12, 31, 0, 0, 0, DateTimeKind.Utc) });
        Assert.Equal(ulong.MaxValue, Assert.Single(after).Id);

        var inList = await clickHouse.QueryAsync<Row>("SELECT id, text, at FROM t WHERE id IN {ids:Array(UInt64)}", new { ids = new ulong[] { 1, 7 } });
        Assert.Equal(1UL, Assert.Single(inList).Id);
    }

    [Fact]
    public async Task QueryAsync_StringsAloneAndInArrays_ReachTheEngineAsTheyAre()
    {
        // Filter values and page names carry quotes, backslashes and control characters; an array of them once reached
        // ClickHouse escaped twice (a quote broke the array, a backslash was doubled).
        var clickHouse = await engines.NewBareClickHouseAsync();
        string[] texts = ["it's", @"c:\dir\", "tab\there", "line\nbreak\r", "nul\0end", @"quote\'d", "[', ']", "plain", ""];
        foreach (var text in texts)
        {
            var one = await clickHouse.QueryAsync<Value>("SELECT {text:String} AS v", new { text });
            Assert.Equal(text, Assert.Single(one).V);
        }

        var all = await clickHouse.QueryAsync<Value>("SELECT arrayJoin({texts:Array(String)}) AS v", new { texts });
        Assert.Equal(texts, all.Select(r => r.V));
        var found = await clickHouse.QueryAsync<Value>("SELECT toString(has({texts:Array(String)}, {text:String})) AS v", new { texts, text = @"c:\dir\" });
        Assert.Equal("1", Assert.Single(found).V);
    }

    [Fact]
    public async Task QueryAsync_InjectionAttemptInParameter_MatchesNothingAndDropsNothing()
    {
        var clickHouse = await engines.NewBareClickHouseAsync();
        await clickHouse.ExecuteAsync("CREATE TABLE t (id UInt64, text String, at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY id");
        await clickHouse.InsertAsync("t", ClickHouseJson.Encode(new[] { new Row(1, "a", DateTime.UnixEpoch) }));

        var hits = await clickHouse.QueryAsync<Row>("SELECT id, text, at FROM t WHERE text = {text:String}", new { text = "a' OR 1=1; DROP TABLE t; --" });

        Assert.Empty(hits);
        Assert.Single(await clickHouse.QueryAsync<Row>("SELECT id, text, at FROM t"));
    }

    [Fact]
    public async Task ExecuteAsync_BadSql_ThrowsClickHouseExceptionWithCodeAndQuery()
    {
        var clickHouse = await engines.NewBareClickHouseAsync();

        var error = await Assert.ThrowsAsync<ClickHouseException>(() => clickHouse.ExecuteAsync("SELECT * FROM no_such_table"));

        Assert.Equal(60, error.ErrorCode); // UNKNOWN_TABLE
        Assert.Contains("no_such_table", error.Message, StringComparison.Ordinal);
        Assert.Equal("SELECT * FROM no_such_table", error.Query);
    }

    [Fact]
    public async Task QueryAsync_FromManyThreadsAtOnce_AllAnswerCorrectly()
    {
        var clickHouse = await engines.NewBareClickHouseAsync();
        var other = await engines.NewBareClickHouseAsync();
        await clickHouse.ExecuteAsync("CREATE TABLE marker (v String) ENGINE = Memory");
        await other.ExecuteAsync("CREATE TABLE marker (v String) ENGINE = Memory");
        await clickHouse.InsertAsync("marker", "{\"v\":\"first\"}\n"u8.ToArray());
        await other.InsertAsync("marker", "{\"v\":\"second\"}\n"u8.ToArray());

        // Interleaved calls on two databases of the one session: each must see its own database.
        var tasks = Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            var target = i % 2 == 0 ? clickHouse : other;
            var rows = await target.QueryAsync<Value>("SELECT v FROM marker");
            return (i, rows.Single().V);
        }));
        foreach (var (i, v) in await Task.WhenAll(tasks))
        {
            Assert.Equal(i % 2 == 0 ? "first" : "second", v);
        }
    }

    [Fact]
    public async Task ExecuteAsync_Ddl_ReturnsNothingWithoutError()
    {
        var clickHouse = await engines.NewBareClickHouseAsync();

        var output = await clickHouse.QueryRawAsync("CREATE TABLE x (a UInt8) ENGINE = Memory", "TabSeparated");

        Assert.Empty(output);
    }

    [Fact]
    public async Task InsertAsync_WithSettings_AppliesThem()
    {
        var clickHouse = await engines.NewBareClickHouseAsync();
        await clickHouse.ExecuteAsync("CREATE TABLE t (a UInt8) ENGINE = MergeTree ORDER BY a SETTINGS non_replicated_deduplication_window = 100");

        for (var i = 0; i < 3; i++)
        {
            await clickHouse.InsertAsync("t", "{\"a\":1}\n{\"a\":2}\n"u8.ToArray(), ClickHouseSettings.Deduplicated("same-batch"));
        }

        var raw = await clickHouse.QueryRawAsync("SELECT count() FROM t", "TabSeparated");
        Assert.Equal("2", System.Text.Encoding.UTF8.GetString(raw).Trim());
    }
}
