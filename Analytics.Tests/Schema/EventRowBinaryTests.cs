using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Catalog;
using Analytics.Ingest.Demo;
using Analytics.Ingest.Events;
using Analytics.Ingest.Spool;
using Analytics.Tests.Infrastructure;
using NodaTime;

namespace Analytics.Tests.Schema;

/// <summary>Bulk loads write Native, the spool RowBinary, imports JSONEachRow: all must store exactly the same rows.</summary>
public sealed class EventRowBinaryTests(Engines engines)
{
    [Fact]
    public async Task RowBinaryAndNative_StoreTheSameRowsAsJson_IncludingOddValues()
    {
        var clickHouse = await engines.NewBareClickHouseAsync();
        var schema = await engines.NewClickHouseAsync();
        foreach (var table in new[] { "json", "binary", "native", "spool" })
        {
            await clickHouse.ExecuteAsync($"CREATE TABLE {table} AS {schema.Database}.events");
        }

        var from = Instant.FromUtc(2026, 3, 28, 0, 0);
        var rows = new DemoTraffic(3, "a.example", "Europe/Berlin", 11) { DayZone = DateTimeZoneProviders.Tzdb["Europe/Berlin"] }.Generate(from, from + Duration.FromDays(2)).ToList();
        var at = new DateTime(2026, 3, 29, 1, 2, 3, 456, DateTimeKind.Utc).AddTicks(7_999);
        rows.Add(new EventRow
        {
            PropertyId = ulong.MaxValue,
            DayZone = DateTimeZoneProviders.Tzdb["Pacific/Kiritimati"], // +14: its day is the next UTC day
            Timestamp = at,
            Name = "Ünïcode ✓ \"quoted\"\ttab\\n",
            VisitorId = 1,
            BounceDelta = -1,
            DurationDeltaMs = uint.MaxValue,
            Pathname = new string('x', 300) + "/ü",
            Props = new Dictionary<string, string> { ["k"] = "v", ["emoji"] = "🙂", [""] = "" },
            RevenueAmount = 1234.5678919m,
            Categories = ["a", "b"],
            Tags = ["", "t"],
            ScrollDepth = 255,
        });

        // More than 256 distinct values in a dictionary column: Native indexes them with two bytes.
        rows.AddRange(Enumerable.Range(0, 300).Select(i => rows[i] with { Name = $"custom {i}", Author = i % 2 == 0 ? "" : $"author {i}" }));
        await clickHouse.InsertAsync("json", ClickHouseJson.Encode(rows));
        await EventRowBinary.InsertAsync(clickHouse, "binary", EventRowBinary.Encode(rows));
        await EventNative.InsertAsync(clickHouse, "native", EventNative.Encode(rows));
        var encoded = EventRowBinary.Encode(rows);
        Assert.True(new NativeTranscoder().TryTranscode(EventRowBinary.Header, encoded.AsSpan(EventRowBinary.Header.Length), rows.Count, out var block));
        await EventNative.InsertAsync(clickHouse, "spool", block);

        const string All = "SELECT * FROM {0} ORDER BY property_id, timestamp, name, visitor_id, session_id, pathname";
        var json = await clickHouse.QueryRawAsync(string.Format(null, All, "json"), "TSV");
        var binary = await clickHouse.QueryRawAsync(string.Format(null, All, "binary"), "TSV");
        var native = await clickHouse.QueryRawAsync(string.Format(null, All, "native"), "TSV");
        var spool = await clickHouse.QueryRawAsync(string.Format(null, All, "spool"), "TSV");
        Assert.True(rows.Count > 1_000);
        Assert.Contains(rows, r => r.Props.Count > 0);
        Assert.Contains(rows, r => r.Categories.Count > 0);
        Assert.Equal(rows.Count, json.Count(b => b == (byte)'\n'));
        Assert.Equal(System.Text.Encoding.UTF8.GetString(json), System.Text.Encoding.UTF8.GetString(binary));
        Assert.Equal(System.Text.Encoding.UTF8.GetString(json), System.Text.Encoding.UTF8.GetString(native));
        Assert.Equal(System.Text.Encoding.UTF8.GetString(json), System.Text.Encoding.UTF8.GetString(spool));
    }

    [Fact]
    public void TheSpoolsTranscoder_GivesNoBlock_ForATypeItDoesNotKnow_OrRowsThatAreNotWhole()
    {
        var from = Instant.FromUtc(2026, 3, 28, 0, 0);
        var rows = new DemoTraffic(3, "a.example", "UTC", 5) { DayZone = DateTimeZone.Utc }.Generate(from, from + Duration.FromHours(6)).Take(20).ToList();
        var body = EventRowBinary.Encode(rows).AsSpan(EventRowBinary.Header.Length).ToArray();
        var transcoder = new NativeTranscoder();
        Assert.True(transcoder.TryTranscode(EventRowBinary.Header, body, rows.Count, out _));

        Assert.False(transcoder.TryTranscode(EventRowBinary.Header, body.AsSpan(0, body.Length - 1), rows.Count, out _)); // the last value cut short
        Assert.False(transcoder.TryTranscode(EventRowBinary.Header, body, rows.Count - 1, out _)); // a row more than counted
        Assert.False(transcoder.TryTranscode(EventRowBinary.Header, [.. body, .. body], rows.Count + 1, out _)); // a row fewer
        Assert.False(transcoder.TryTranscode(Header(("id", "UInt64"), ("at", "Nullable(DateTime)")), new byte[9 * 2], 2, out _));
        Assert.False(transcoder.TryTranscode(Header(("id", "UInt64")).AsSpan(0, 4), new byte[8], 1, out _)); // a header cut short

        // A header of another time (fewer columns, another order) is as good as the current one.
        Assert.True(transcoder.TryTranscode(Header(("tags", "Array(String)"), ("id", "UInt64"), ("props", "Map(String, String)")), [0, 1, 0, 0, 0, 0, 0, 0, 0, 0], 1, out var block));
        Assert.Equal(3, block.Span[0]); // columns
        Assert.Equal(1, block.Span[1]); // rows

        // A column the table derives now (the visit's id of a segment written before 0026) is read past, not sent: the
        // block holds the columns the insert names, whatever the server's input_format_skip_unknown_fields.
        Assert.True(transcoder.TryTranscode(Header(("id", "UInt64"), ("session_id", "UInt64")), new byte[16], 1, out var withoutId));
        Assert.Equal(1, withoutId.Span[0]); // columns
        Assert.Equal(["id"], EventRowBinary.ColumnNames(Header(("id", "UInt64"), ("session_id", "UInt64"))));

        // So is a column the table no longer has (the previous page of a segment written before 0031).
        Assert.True(transcoder.TryTranscode(Header(("prev_pathname", "String"), ("id", "UInt64")), [2, .. "/a"u8, .. new byte[8]], 1, out var withoutPrevious));
        Assert.Equal(1, withoutPrevious.Span[0]); // columns
        Assert.Equal(["id"], EventRowBinary.ColumnNames(Header(("prev_pathname", "String"), ("id", "UInt64"))));
        Assert.True(transcoder.TryTranscode(EventRowBinary.Header, body, rows.Count, out _));
    }

    /// <summary>A RowBinaryWithNamesAndTypes header: the count, the names, the types.</summary>
    private static byte[] Header(params (string Name, string Type)[] columns)
        => EventRowBinary.EncodeHeader(columns.Select(c => new EventColumn(c.Name, c.Type)).ToList());

    [Theory]
    [InlineData(EventRowBinary.Format)]
    [InlineData(EventNative.Format)]
    public async Task ABatch_WithItsToken_InsertsOnce_IntoEventsAndEveryView(string format)
    {
        var clickHouse = await engines.NewClickHouseAsync();
        var from = Instant.FromUtc(2026, 3, 28, 0, 0);
        var events = new DemoTraffic(4, "b.example", "UTC", 12) { DayZone = DateTimeZone.Utc }.Generate(from, from + Duration.FromDays(1)).ToList();
        var rows = format == EventNative.Format ? EventNative.Encode(events) : EventRowBinary.Encode(events);
        const string Totals = """
            SELECT (SELECT count() FROM events) AS events, (SELECT count() FROM sessions FINAL) AS sessions,
                   (SELECT sum(pageviews) FROM rollup_property) AS property,
                   (SELECT sum(pageviews) FROM rollup_daily) AS daily, (SELECT sum(pageviews) FROM rollup_hourly) AS hourly,
                   (SELECT sum(pageviews) FROM rollup_monthly) AS monthly
            """;

        await clickHouse.InsertAsync("events", EventRowBinary.Columns, format, rows, ClickHouseSettings.Deduplicated("batch-1"));
        var once = Assert.Single(await clickHouse.QueryAsync<Counts>(Totals));
        await clickHouse.InsertAsync("events", EventRowBinary.Columns, format, rows, ClickHouseSettings.Deduplicated("batch-1"));
        var again = Assert.Single(await clickHouse.QueryAsync<Counts>(Totals));

        Assert.True(once.Events > 100 && once.Sessions > 10 && once.Property > 10 && once.Hourly == once.Property && once.Monthly == once.Daily, once.ToString());
        Assert.Equal(once, again);
        Assert.Empty(Directory.GetFiles(Path.Combine(engines.Root, "clickhouse", "tmp", "inserts")));
    }

    private sealed record Counts(ulong Events, ulong Sessions, ulong Property, ulong Daily, ulong Hourly, ulong Monthly);

    [Fact]
    public void Columns_AreEveryColumnOfEventRow()
    {
        var properties = typeof(EventRow).GetProperties().Where(p => !p.IsDefined(typeof(System.Text.Json.Serialization.JsonIgnoreAttribute), false))
            .Select(p => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name));
        Assert.Equal(properties.Order(), EventRowBinary.Columns.Order());
    }
}
