using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Host;

/// <summary>The single-node server as a user runs it: a separate process with its own data directory.</summary>
public sealed class ServeTests(Engines engines)
{
    [Fact]
    public async Task Serve_ThenAdminCommandsBesideIt_HealthOpenApiAndPropertiesWork()
    {
        await using var server = await ServerProcess.StartAsync(engines);
        var (data, http) = (server.Data, server.Http);
        var health = await server.WaitHealthyAsync();
        using (var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync()))
        {
            Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("clickhouse").GetProperty("status").GetString());
            Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());
        }

        using (var openApi = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json")))
        {
            Assert.StartsWith("3.", openApi.RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
            Assert.True(openApi.RootElement.GetProperty("paths").TryGetProperty("/api/v1/properties", out _));
            Assert.True(openApi.RootElement.GetProperty("paths").TryGetProperty("/api/event", out _));
        }

        // Admin commands join the running server's PostgreSQL.
        var added = await AnalyticsProcess.RunAsync(data, "properties", "add", "example.com", "--timezone", "Asia/Kathmandu");
        Assert.True(added.Exit == 0, added.Stderr);
        Assert.True(long.TryParse(added.Stdout.Trim(), out var id) && id > 0, added.Stdout);

        var refused = await AnalyticsProcess.RunAsync(data, "properties", "add", "example.org", "--timezone", "Mars/Olympus_Mons");
        Assert.Equal(2, refused.Exit);
        Assert.Contains("timezone", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("Mars/Olympus_Mons", refused.Stderr, StringComparison.Ordinal);

        var listed = await AnalyticsProcess.RunAsync(data, "properties", "list");
        Assert.Contains($"{id}\texample.com\tAsia/Kathmandu", listed.Stdout, StringComparison.Ordinal);

        // An API key created beside the server opens the reporting API; a made-up one does not.
        var key = await AnalyticsProcess.RunAsync(data, "keys", "create", "--name", "test", "--all");
        Assert.True(key.Exit == 0, key.Stderr);
        using var authorized = new HttpRequestMessage(HttpMethod.Get, "/api/v1/properties");
        authorized.Headers.Authorization = new("Bearer", key.Stdout.Trim());
        var properties = await http.SendAsync(authorized);
        Assert.Equal(HttpStatusCode.OK, properties.StatusCode);
        Assert.Contains("example.com", await properties.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/api/v1/properties");
        forged.Headers.Authorization = new("Bearer", "ak_forged");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(forged)).StatusCode);

        // The embedded engine is one process's: a second one on the same data directory is refused plainly.
        var migrate = await AnalyticsProcess.RunAsync(data, "migrate");
        Assert.NotEqual(0, migrate.Exit);
        Assert.Contains("in use by another process", migrate.Stderr, StringComparison.Ordinal);

        // A dependency that stops answering turns /health to 503, naming it.
        await Process.Start("runuser", ["-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "stop", "-m", "fast", "-D", Path.Combine(data, "postgres")])!.WaitForExitAsync();
        var unhealthy = await http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unhealthy.StatusCode);
        using (var body = JsonDocument.Parse(await unhealthy.Content.ReadAsStringAsync()))
        {
            Assert.Equal("Unhealthy", body.RootElement.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());
            Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("clickhouse").GetProperty("status").GetString());
        }

        // SIGTERM (what docker and systemd send) stops the server gracefully.
        await server.TerminateAsync();
        Assert.True(server.Process.ExitCode == 0, server.Output.ToString());
    }

    /// <summary>
    /// The exporter's text as a scraper reads it. In its own process: hosts inside the test process share meter names,
    /// and a host that stops there ends the exported series of the others.
    /// </summary>
    [Fact]
    public async Task Metrics_ExportCollectsInstrumentsInPrometheusText()
    {
        await using var server = await ServerProcess.StartAsync(engines);
        var added = await AnalyticsProcess.RunAsync(server.Data, "properties", "add", "metrics.example");
        Assert.True(added.Exit == 0, added.Stderr);
        async Task<HttpResponseMessage> SendAsync(string domain)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/event") { Content = new StringContent($$"""{"n":"pageview","u":"https://{{domain}}/","d":"{{domain}}"}""") };
            request.Headers.TryAddWithoutValidation("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36");
            return await server.Http.SendAsync(request);
        }

        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync("nowhere.example")).StatusCode);

        // An event of a known property is written to the spool (one fsync), inserted in a batch and flushed to disk.
        var kept = await SendAsync("metrics.example");
        Assert.False(kept.Headers.Contains("X-Analytics-Dropped"), string.Join(",", kept.Headers.Select(h => $"{h.Key}={string.Join(' ', h.Value)}")));

        var text = string.Empty;
        for (var attempt = 0; attempt < 100 && !text.Contains("analytics_batch_events_count", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(100);
            text = await server.Http.GetStringAsync("/metrics");
        }

        Assert.Matches("(?m)^analytics_events_dropped_total\\{[^}]*reason=\"unknown-property\"[^}]*\\} 1$", text);
        Assert.Matches("(?m)^# TYPE analytics_events_dropped_total counter$", text);
        Assert.Matches("(?m)^analytics_spool_bytes\\{[^}]*\\} [0-9]+$", text);
        Assert.Matches("(?m)^analytics_spool_write_duration_seconds_count\\{[^}]*\\} [1-9][0-9]*$", text);
        Assert.Matches("(?m)^analytics_clickhouse_flush_duration_seconds_count\\{[^}]*\\} [1-9][0-9]*$", text);
    }

    [Fact]
    public async Task Serve_SigTerm_StopsThePrivatePostgresItStarted()
    {
        await using var server = await ServerProcess.StartAsync(engines);
        Assert.True(File.Exists(Path.Combine(server.Data, "postgres", "postmaster.pid")));

        await server.TerminateAsync();

        Assert.True(server.Process.ExitCode == 0, server.Output.ToString());
        Assert.False(File.Exists(Path.Combine(server.Data, "postgres", "postmaster.pid")), "the private PostgreSQL is still running");
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("serve", "--help")]
    [InlineData("migrate", "--help")]
    [InlineData("properties", "add", "--help")]
    [InlineData("keys", "--help")]
    [InlineData("keys", "create", "--help")]
    [InlineData("goals", "add", "--help")]
    [InlineData("properties", "update", "--help")]
    [InlineData("bench", "queries", "--help")]
    [InlineData("users", "add", "--help")]
    public async Task EveryCommand_Help_DescribesItAndExitsZero(params string[] arguments)
    {
        var result = await AnalyticsProcess.RunAsync(engines.Root, arguments);

        Assert.Equal(0, result.Exit);
        Assert.Contains("Usage:", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_UnknownRole_IsRefusedNamingIt()
    {
        var result = await AnalyticsProcess.RunAsync(engines.Root, "serve", "--roles", "ingest,reports");

        Assert.Equal(2, result.Exit);
        Assert.Contains("reports", result.Stderr, StringComparison.Ordinal);
    }
}
