using System.Text.Json;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Host;

/// <summary>export, import, lookup and sql as an operator runs them: the real command, with and without a server running.</summary>
public sealed class TransferCommandTests(Engines engines)
{
    private static string Line(string timestamp, string name, string visitor, string path, string extra = "")
        => $$$"""{"timestamp":"{{{timestamp}}}","name":"{{{name}}}","visitor_id":"{{{visitor}}}","hostname":"example.com","pathname":"{{{path}}}","utm_source":"news","country_code":"DE","props":{"k":"v"}{{{extra}}}}""";

    private static readonly string History = string.Join('\n',
        Line("2025-03-30T00:10:00Z", "pageview", "ada", "/", ",\"referrer_source\":\"Google\""),
        Line("2025-03-30T00:12:00Z", "pageview", "ada", "/docs"),
        Line("2025-03-30T01:30:00Z", "pageview", "ada", "/later"),
        Line("2025-03-31T09:00:00.250Z", "Signup", "grace", "/signup", ",\"revenue_amount\":12.5,\"revenue_currency\":\"EUR\""),
        Line("2025-03-31T09:00:00Z", "pageview", "grace", "/signup")) + "\n";

    private string NewData() => Path.Combine(engines.Root, $"cli-{Guid.NewGuid():N}"[..18]);

    private async Task<string> WithPropertyAsync()
    {
        var data = NewData();
        var added = await AnalyticsProcess.RunAsync(data, "properties", "add", "example.com", "--timezone", "Europe/Berlin");
        Assert.True(added.Exit == 0, added.Stderr);
        return data;
    }

    private static async Task<List<JsonElement>> ExportAsync(string data, params string[] extra)
    {
        var result = await AnalyticsProcess.RunAsync(data, ["export", "--property", "example.com", .. extra]);
        Assert.True(result.Exit == 0, result.Stderr);
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // through the running server, which holds the embedded engine
    public async Task PropertiesDelete_RemovesTheEventsAndRollupsToo(bool serverRunning)
    {
        var data = await WithPropertyAsync();
        Assert.Equal(0, (await AnalyticsProcess.RunAsync(data, "properties", "add", "kept.example")).Exit);
        foreach (var domain in new[] { "example.com", "kept.example" })
        {
            var imported = await AnalyticsProcess.RunWithInputAsync(data, History, "import", "--property", domain, "-");
            Assert.True(imported.Exit == 0, imported.Stderr);
        }

        var server = serverRunning ? await ServerProcess.StartAsync(engines, data) : null;
        var deleted = await AnalyticsProcess.RunAsync(data, "properties", "delete", "1");
        Assert.True(deleted.Exit == 0, deleted.Stderr);
        Assert.Contains("and all of its data", deleted.Stderr, StringComparison.Ordinal);
        if (server is not null)
        {
            await server.TerminateAsync();
            await server.DisposeAsync();
        }

        var left = await AnalyticsProcess.RunAsync(data, "sql",
            "SELECT property_id, count() FROM (SELECT property_id FROM events UNION ALL SELECT property_id FROM sessions UNION ALL SELECT property_id FROM rollup_daily UNION ALL SELECT property_id FROM rollup_monthly) GROUP BY property_id",
            "--format", "TSV");
        Assert.True(left.Exit == 0, left.Stderr);
        var counts = left.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToDictionary(c => c[0], c => long.Parse(c[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.False(counts.ContainsKey("1"), left.Stdout);
        Assert.True(counts["2"] > 0);
    }

    [Fact]
    public async Task Sql_OpensClickHouseOnly_NeitherCreatingNorStartingPostgreSQL()
    {
        var data = NewData();
        var result = await AnalyticsProcess.RunAsync(data, "sql", "SELECT count() FROM events", "--format", "TSV");
        Assert.True(result.Exit == 0, result.Stderr);
        Assert.Equal("0", result.Stdout.Trim());
        Assert.False(Directory.Exists(Path.Combine(data, "postgres")), "sql created a PostgreSQL cluster it does not use");
    }

    [Fact]
    public async Task ImportThenExport_KeepsTimestampsAndFields_AndImportingTwiceStoresOnce()
    {
        var data = await WithPropertyAsync();
        var file = Path.Combine(data, "history.jsonl");
        await File.WriteAllTextAsync(file, History);

        var first = await AnalyticsProcess.RunAsync(data, "import", "--property", "example.com", file);
        var second = await AnalyticsProcess.RunAsync(data, "import", "--property", "example.com", file);
        Assert.True(first.Exit == 0 && second.Exit == 0, first.Stderr + second.Stderr);

        var events = await ExportAsync(data);
        Assert.Equal(5, events.Count);
        Assert.Equal("2025-03-30T00:10:00.000Z", events[0].GetProperty("timestamp").GetString());
        Assert.Equal(("news", "DE", "v"), (events[0].GetProperty("utm_source").GetString(), events[0].GetProperty("country_code").GetString(), events[0].GetProperty("props").GetProperty("k").GetString()));
        // Sessions rebuilt with the 30-minute rule: ada's first two pageviews share one, the third (78 minutes later) opens another.
        var ada = events.Where(e => e.GetProperty("pathname").GetString() is "/" or "/docs" or "/later").Select(e => e.GetProperty("session_id").GetString()).ToList();
        Assert.Equal(ada[0], ada[1]);
        Assert.NotEqual(ada[1], ada[2]);
        Assert.Equal(12.5, events.Single(e => e.GetProperty("name").GetString() == "Signup").GetProperty("revenue_amount").GetDouble());

        // Lines without a channel get collect's, stamped on the whole visit: ada's first came from Google.
        Assert.Equal(["Organic Search", "Organic Search", "Direct"], events.Where(e => e.GetProperty("pathname").GetString() is "/" or "/docs" or "/later").Select(e => e.GetProperty("channel").GetString()));

        // Dates are whole days in the property's zone (Berlin switched to summer time on 2025-03-30).
        Assert.Equal(3, (await ExportAsync(data, "--from", "2025-03-30", "--to", "2025-03-30")).Count);
        var csv = await AnalyticsProcess.RunAsync(data, "export", "--property", "example.com", "--format", "csv", "--from", "2025-03-31");
        Assert.Equal(3, csv.Stdout.Trim().Split('\n').Length); // header and two events
        Assert.StartsWith("\"timestamp\",\"name\"", csv.Stdout, StringComparison.Ordinal);
        var parquet = Path.Combine(data, "out.parquet");
        Assert.Equal(0, (await AnalyticsProcess.RunAsync(data, "export", "--property", "example.com", "--format", "parquet", "--output", parquet)).Exit);
        Assert.Equal("PAR1"u8.ToArray(), File.ReadAllBytes(parquet)[..4]);
    }

    [Fact]
    public async Task Import_BadLine_IsRefusedWithItsNumberAndField_AndNothingIsStored()
    {
        var data = await WithPropertyAsync();
        var file = Path.Combine(data, "bad.jsonl");
        await File.WriteAllTextAsync(file, History + """{"timestamp":"yesterday","name":"pageview","visitor_id":"x"}""" + "\n");

        var result = await AnalyticsProcess.RunAsync(data, "import", "--property", "example.com", file);

        Assert.Equal(2, result.Exit);
        Assert.Contains("line 6: timestamp", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(await ExportAsync(data));
    }

    [Fact]
    public async Task ExportAndImport_WhileTheServerRuns_GoThroughIt()
    {
        await using var server = await ServerProcess.StartAsync(engines);
        var added = await AnalyticsProcess.RunAsync(server.Data, "properties", "add", "example.com");
        Assert.True(added.Exit == 0, added.Stderr);

        var imported = await AnalyticsProcess.RunWithInputAsync(server.Data, History, "import", "--property", "example.com", "-");
        Assert.True(imported.Exit == 0, imported.Stderr);
        Assert.Contains("this goes through the server", imported.Stderr, StringComparison.Ordinal);
        Assert.Contains("through the running server", imported.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Cannot lock", imported.Stderr, StringComparison.Ordinal); // chDB's own error is not shown first
        Assert.Equal(5, (await ExportAsync(server.Data)).Count);
        var unknown = await AnalyticsProcess.RunAsync(server.Data, "export", "--property", "nope.example");
        Assert.NotEqual(0, unknown.Exit);
        Assert.Contains("nope.example", unknown.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Cannot lock", unknown.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportFromPlausible_AZipThroughTheRunningServer_ListedAndDeleted_AndABadFileNamed()
    {
        await using var server = await ServerProcess.StartAsync(engines);
        Assert.Equal(0, (await AnalyticsProcess.RunAsync(server.Data, "properties", "add", "old.example")).Exit);
        var zip = Path.Combine(server.Data, "plausible-export.zip");
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
        {
            await using var writer = new StreamWriter(archive.CreateEntry("imported_visitors_20250101_20250103.csv").Open());
            await writer.WriteAsync("date,visitors,pageviews,bounces,visits,visit_duration\n2025-01-01,4,9,2,5,300\n2025-01-02,6,12,3,7,420\n2025-01-03,5,10,1,5,250\n");
        }

        var imported = await AnalyticsProcess.RunAsync(server.Data, "import", "--from", "plausible", "--property", "old.example", zip);
        Assert.True(imported.Exit == 0, imported.Stderr);
        Assert.Contains("Imported 3 days of old.example's history from Plausible", imported.Stderr, StringComparison.Ordinal);
        var again = await AnalyticsProcess.RunAsync(server.Data, "import", "--from", "plausible", "--property", "old.example", zip);
        Assert.Contains("imported already", again.Stderr, StringComparison.Ordinal);
        var listed = await AnalyticsProcess.RunAsync(server.Data, "imports", "list", "--property", "old.example");
        Assert.Equal("1\tplausible\tplausible-export.zip\t2025-01-01\t2025-01-03\t3\tdone", listed.Stdout.Trim());

        var bad = await AnalyticsProcess.RunAsync(server.Data, "import", "--from", "plausible", "--property", "old.example", server.Data);
        Assert.NotEqual(0, bad.Exit);
        Assert.Contains("has no imported_visitors*.csv", bad.Stderr, StringComparison.Ordinal);
        var source = await AnalyticsProcess.RunAsync(server.Data, "import", "--from", "matomo", "--property", "old.example", zip);
        Assert.Contains("--from", source.Stderr, StringComparison.Ordinal);

        Assert.Equal(0, (await AnalyticsProcess.RunAsync(server.Data, "imports", "delete", "--property", "old.example", "1")).Exit);
        Assert.Equal(string.Empty, (await AnalyticsProcess.RunAsync(server.Data, "imports", "list", "--property", "old.example")).Stdout.Trim());
    }

    [Fact]
    public async Task ImportFromUmami_ItsRawEventsBecomeThePropertysOwn_HashedVisitors_OnceIfImportedTwice_AndABadLineNamed()
    {
        await using var server = await ServerProcess.StartAsync(engines);
        Assert.Equal(0, (await AnalyticsProcess.RunAsync(server.Data, "properties", "add", "example.com", "--timezone", "UTC")).Exit);
        const string Header = "website_id,session_id,visit_id,event_id,hostname,browser,os,device,screen,language,country,region,city,url_path,url_query,utm_source,utm_medium,utm_campaign,utm_content,utm_term,referrer_path,referrer_query,referrer_domain,page_title,gclid,fbclid,msclkid,ttclid,li_fat_id,twclid,event_type,event_name,tag,distinct_id,created_at";
        string Row(string session, string path, string referrer, string title, int type, string name, string at)
            => $"w1,{session},v-{session},e-{Guid.NewGuid():N},example.com,chrome,Mac OS,laptop,1920x1080,en-US,de,DE-BE,Berlin,{path},,,,,,,,,{referrer},{title},,,,,,,{type},{name},,,{at}";
        var csv = string.Join("\n",
            Header,
            Row("s-1", "/", "www.google.com", "Home", 1, "", "2025-03-01 10:00:00"),
            Row("s-1", "/pricing", "", "\"Pricing, \"\"plans\"\"\"", 1, "", "2025-03-01 10:01:00"),
            Row("s-1", "/pricing", "", "Pricing", 2, "Signup", "2025-03-01 10:02:00"),
            Row("s-2", "/", "", "Home", 1, "", "2025-03-02 12:00:00"),
            Row("s-3", "/blog", "news.ycombinator.com", "Blog", 1, "", "2025-03-03 08:00:00")) + "\n";
        var file = Path.Combine(server.Data, "website_event.csv");
        await File.WriteAllTextAsync(file, csv);

        var imported = await AnalyticsProcess.RunAsync(server.Data, "import", "--from", "umami", "--property", "example.com", file);
        Assert.True(imported.Exit == 0, imported.Stderr);
        Assert.Contains("they become example.com's own events", imported.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await AnalyticsProcess.RunAsync(server.Data, "import", "--from", "umami", "--property", "example.com", file)).Exit);
        var events = await ExportAsync(server.Data);
        Assert.Equal(5, events.Count); // the second import stored nothing again
        Assert.Equal(["Signup", "pageview", "pageview", "pageview", "pageview"], events.Select(e => e.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(3, events.Select(e => e.GetProperty("visitor_id").GetRawText()).Distinct().Count());
        Assert.DoesNotContain(events, e => e.GetProperty("visitor_id").GetRawText().Contains("s-1", StringComparison.Ordinal)); // hashed
        Assert.Equal("Google", events.Single(e => e.GetProperty("timestamp").GetString()!.StartsWith("2025-03-01T10:00", StringComparison.Ordinal)).GetProperty("referrer_source").GetString());
        Assert.Contains(events, e => e.GetProperty("page_title").GetString() == "Pricing, \"plans\"");
        Assert.All(events, e => Assert.Equal(("DE", "Chrome", "desktop"), (e.GetProperty("country_code").GetString(), e.GetProperty("browser").GetString(), e.GetProperty("device_type").GetString())));

        await File.WriteAllTextAsync(file, Header + "\n" + Row("s-9", "/", "", "Home", 1, "", "yesterday"));
        var bad = await AnalyticsProcess.RunAsync(server.Data, "import", "--from", "umami", "--property", "example.com", file);
        Assert.NotEqual(0, bad.Exit);
        Assert.Contains("website_event.csv line 2: created_at: 'yesterday' is not a time.", bad.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportFromGa4_ItsBigQueryExportsEventsBecomeThePropertysOwn_WithoutGa4sBookkeeping()
    {
        var data = await WithPropertyAsync();
        static string Event(string name, long micros, string user, string path, string? referrer = null, string? source = null)
        {
            System.Text.Json.Nodes.JsonObject Param(string key, string value) => new() { ["key"] = key, ["value"] = new System.Text.Json.Nodes.JsonObject { ["string_value"] = value } };
            var parameters = new System.Text.Json.Nodes.JsonArray(Param("page_location", $"https://example.com{path}?x=1"), Param("page_title", $"Title of {path}"));
            if (referrer is not null)
            {
                parameters.Add(Param("page_referrer", referrer));
            }

            return new System.Text.Json.Nodes.JsonObject
            {
                ["event_date"] = "20250301",
                ["event_timestamp"] = micros.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["event_name"] = name,
                ["user_pseudo_id"] = user,
                ["event_params"] = parameters,
                ["device"] = new System.Text.Json.Nodes.JsonObject
                {
                    ["category"] = "mobile", ["operating_system"] = "Android", ["language"] = "de-de",
                    ["web_info"] = new System.Text.Json.Nodes.JsonObject { ["browser"] = "Chrome", ["hostname"] = "example.com" },
                },
                ["geo"] = new System.Text.Json.Nodes.JsonObject { ["country"] = "Germany", ["region"] = "Berlin", ["city"] = "Berlin" },
                ["collected_traffic_source"] = source is null ? null : new System.Text.Json.Nodes.JsonObject { ["manual_source"] = source, ["manual_medium"] = "email" },
            }.ToJsonString();
        }

        const long At = 1_740_823_200_000_000; // 2025-03-01 10:00:00 UTC
        var file = Path.Combine(data, "events_20250301.json");
        await File.WriteAllLinesAsync(file,
        [
            Event("session_start", At, "111.222", "/"),
            Event("first_visit", At, "111.222", "/"),
            Event("page_view", At, "111.222", "/", referrer: "https://www.google.com/", source: "newsletter"),
            Event("page_view", At + 60_000_000, "111.222", "/pricing", referrer: "https://example.com/"),
            Event("sign_up", At + 90_000_000, "111.222", "/pricing"),
            Event("user_engagement", At + 95_000_000, "111.222", "/pricing"),
            Event("page_view", At + 3_600_000_000, "333.444", "/blog", referrer: "https://example.com/elsewhere"),
        ]);

        var imported = await AnalyticsProcess.RunAsync(data, "import", "--from", "ga4", "--property", "example.com", file);
        Assert.True(imported.Exit == 0, imported.Stderr);
        Assert.Contains("Read 4 events from GA4's export (3 of GA4's own events left out", imported.Stderr, StringComparison.Ordinal);
        var events = await ExportAsync(data);
        Assert.Equal(["pageview", "pageview", "sign_up", "pageview"], events.Select(e => e.GetProperty("name").GetString()));
        Assert.Equal(["/", "/pricing", "/pricing", "/blog"], events.Select(e => e.GetProperty("pathname").GetString()));
        Assert.Equal("2025-03-01T10:00:00.000Z", events[0].GetProperty("timestamp").GetString());
        Assert.Equal(("https://www.google.com/", "newsletter", "email"), (events[0].GetProperty("referrer").GetString(), events[0].GetProperty("utm_source").GetString(), events[0].GetProperty("utm_medium").GetString()));
        Assert.Equal(string.Empty, events[3].GetProperty("referrer").GetString()); // an internal referrer is no referrer
        Assert.Equal(2, events.Select(e => e.GetProperty("visitor_id").GetRawText()).Distinct().Count());
        Assert.All(events, e => Assert.Equal(("DE", "Chrome", "Android", "mobile"), (e.GetProperty("country_code").GetString(), e.GetProperty("browser").GetString(), e.GetProperty("os").GetString(), e.GetProperty("device_type").GetString())));
        Assert.Equal("Title of /blog", events[3].GetProperty("page_title").GetString());

        // The same export as Parquet (BigQuery's other export format; its schema's nesting, with columns not read here
        // too), into a data directory of its own: the same events.
        static Ga4Row Row(string name, long micros, string user, string path, string? referrer = null, string? source = null) => new()
        {
            EventDate = "20250301",
            EventTimestamp = micros,
            EventName = name,
            UserPseudoId = user,
            Platform = "WEB",
            EventParams =
            [
                new() { Key = "page_location", Value = new() { StringValue = $"https://example.com{path}?x=1" } },
                new() { Key = "page_title", Value = new() { StringValue = $"Title of {path}" } },
                new() { Key = "engagement_time_msec", Value = new() { IntValue = 1200 } },
                .. referrer is null ? Array.Empty<Ga4Row.Param>() : [new() { Key = "page_referrer", Value = new() { StringValue = referrer } }],
            ],
            Device = new() { Category = "mobile", OperatingSystem = "Android", Language = "de-de", WebInfo = new() { Browser = "Chrome", Hostname = "example.com" } },
            Geo = new() { Country = "Germany", Region = "Berlin", City = "Berlin", Continent = "Europe" },
            CollectedTrafficSource = source is null ? null : new() { ManualSource = source, ManualMedium = "email" },
        };
        var parquetData = await WithPropertyAsync();
        var parquet = Path.Combine(parquetData, "events_20250301.parquet");
        await using (var stream = File.Create(parquet))
        {
            await Parquet.Serialization.ParquetSerializer.SerializeAsync(new[]
            {
                Row("session_start", At, "111.222", "/"),
                Row("first_visit", At, "111.222", "/"),
                Row("page_view", At, "111.222", "/", referrer: "https://www.google.com/", source: "newsletter"),
                Row("page_view", At + 60_000_000, "111.222", "/pricing", referrer: "https://example.com/"),
                Row("sign_up", At + 90_000_000, "111.222", "/pricing"),
                Row("user_engagement", At + 95_000_000, "111.222", "/pricing"),
                Row("page_view", At + 3_600_000_000, "333.444", "/blog", referrer: "https://example.com/elsewhere"),
            }, stream);
        }

        var fromParquet = await AnalyticsProcess.RunAsync(parquetData, "import", "--from", "ga4", "--property", "example.com", parquet);
        Assert.True(fromParquet.Exit == 0, fromParquet.Stderr);
        Assert.Contains("Read 4 events from GA4's export (3 of GA4's own events left out", fromParquet.Stderr, StringComparison.Ordinal);
        string[] fields = ["timestamp", "name", "hostname", "pathname", "referrer", "utm_source", "utm_medium", "country_code", "region", "city", "browser", "os", "device_type", "locale", "page_title"];
        string Shape(JsonElement e) => string.Join('|', fields.Select(f => e.TryGetProperty(f, out var v) ? v.ToString() : "-"));
        Assert.Equal(events.Select(Shape), (await ExportAsync(parquetData)).Select(Shape));
        await File.WriteAllTextAsync(parquet, "PAR1 not really");
        var notParquet = await AnalyticsProcess.RunAsync(parquetData, "import", "--from", "ga4", "--property", "example.com", parquet);
        Assert.True(notParquet.Exit != 0 && notParquet.Stderr.Contains("events_20250301.parquet: is not GA4's export as Parquet", StringComparison.Ordinal), notParquet.Stderr);

        await File.WriteAllTextAsync(file, Event("page_view", At, "111.222", "/").Replace("\"event_timestamp\":\"", "\"event_timestamp\":\"x", StringComparison.Ordinal) + "\n");
        var bad = await AnalyticsProcess.RunAsync(data, "import", "--from", "ga4", "--property", "example.com", file);
        Assert.NotEqual(0, bad.Exit);
        Assert.Contains("events_20250301.json line 1: event_timestamp: is not a number of microseconds.", bad.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LookupUa_WritesUapCoreFieldsPerLine()
    {
        var result = await AnalyticsProcess.RunWithInputAsync(engines.Root,
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1\ncurl/8.5.0\n", "lookup", "ua");

        Assert.True(result.Exit == 0, result.Stderr);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(("Mobile Safari", "17", "iOS", "iPhone", "Apple", "mobile", false),
            (lines[0].GetProperty("ua").GetProperty("family").GetString(), lines[0].GetProperty("ua").GetProperty("major").GetString(),
             lines[0].GetProperty("os").GetProperty("family").GetString(), lines[0].GetProperty("device").GetProperty("family").GetString(),
             lines[0].GetProperty("device").GetProperty("brand").GetString(), lines[0].GetProperty("device_type").GetString(), lines[0].GetProperty("bot").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, lines[0].GetProperty("ua").GetProperty("patch").ValueKind);
        Assert.Equal(JsonValueKind.Null, lines[0].GetProperty("os").GetProperty("patch_minor").ValueKind);
        Assert.True(lines[1].GetProperty("bot").GetBoolean());
    }

    [Fact]
    public async Task LookupIp_ReadsTheGivenDatabase_AndABrokenOneExitsWithOneMessage()
    {
        var result = await AnalyticsProcess.RunWithInputAsync(engines.Root, "2.125.160.216\n10.0.0.1\n", "lookup", "ip", "--db", Conformance.File("maxmind/GeoIP2-City-Test.mmdb"));

        Assert.True(result.Exit == 0, result.Stderr);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("""{"ip":"2.125.160.216","country_code":"GB","region":"England","city":"Boxford"}""", lines[0]);
        Assert.Equal("""{"ip":"10.0.0.1","country_code":null,"region":null,"city":null}""", lines[1]);

        var broken = Path.Combine(engines.Root, "broken.mmdb");
        await File.WriteAllTextAsync(broken, "not a database");
        var failed = await AnalyticsProcess.RunWithInputAsync(engines.Root, "1.1.1.1\n", "lookup", "ip", "--db", broken);
        Assert.Equal(1, failed.Exit);
        Assert.Single(failed.Stderr.Trim().Split('\n'));
        Assert.Contains("not a valid MaxMind DB file", failed.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A row of GA4's BigQuery export as its schema nests it (a few of its columns), for a Parquet file.</summary>
    private sealed class Ga4Row
    {
        [System.Text.Json.Serialization.JsonPropertyName("event_date")] public string? EventDate { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("event_timestamp")] public long? EventTimestamp { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("event_name")] public string? EventName { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("event_params")] public List<Param>? EventParams { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("user_pseudo_id")] public string? UserPseudoId { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("device")] public DeviceInfo? Device { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("geo")] public GeoInfo? Geo { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("collected_traffic_source")] public TrafficSource? CollectedTrafficSource { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("platform")] public string? Platform { get; set; }

        public sealed class Param
        {
            [System.Text.Json.Serialization.JsonPropertyName("key")] public string? Key { get; set; }

            [System.Text.Json.Serialization.JsonPropertyName("value")] public ParamValue? Value { get; set; }
        }

        public sealed class ParamValue
        {
            [System.Text.Json.Serialization.JsonPropertyName("string_value")] public string? StringValue { get; set; }

            [System.Text.Json.Serialization.JsonPropertyName("int_value")] public long? IntValue { get; set; }

            [System.Text.Json.Serialization.JsonPropertyName("double_value")] public double? DoubleValue { get; set; }
        }

        public sealed class DeviceInfo
        {
            [System.Text.Json.Serialization.JsonPropertyName("category")] public string? Category { get; set; }

            [System.Text.Json.Serialization.JsonPropertyName("operating_system")] public string? OperatingSystem { get; set; }

            [System.Text.Json.Serialization.JsonPropertyName("language")] public string? Language { get; set; }

            [System.Text.Json.Serialization.JsonPropertyName("web_info")] public WebInfoOf? WebInfo { get; set; }
        }

        public sealed class WebInfoOf
        {
            [System.Text.Json.Serialization.JsonPropertyName("browser")] public string? Browser { get; set; }

            [System.Text.Json.Serialization.JsonPropertyName("hostname")] public string? Hostname { get; set; }
        }

        public sealed class GeoInfo
        {
            [System.Text.Json.Serialization.JsonPropertyName("continent")] public string? Continent { get; set; }

            [System.Text.Json.Serialization.JsonPropertyName("country")] public string? Country { get; set; }

            [System.Text.Json.Serialization.JsonPropertyName("region")] public string? Region { get; set; }

            [System.Text.Json.Serialization.JsonPropertyName("city")] public string? City { get; set; }
        }

        public sealed class TrafficSource
        {
            [System.Text.Json.Serialization.JsonPropertyName("manual_source")] public string? ManualSource { get; set; }

            [System.Text.Json.Serialization.JsonPropertyName("manual_medium")] public string? ManualMedium { get; set; }
        }
    }
}
