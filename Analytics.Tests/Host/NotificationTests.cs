using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Analytics.Tests.Infrastructure;
using Dapper;
using Microsoft.Playwright;

namespace Analytics.Tests.Host;

/// <summary>
/// Email reports and traffic alerts as a user runs them: a server process with its scheduler (one round a second), a
/// real SMTP server (testing/smtp-sink) and a webhook receiver on this machine, the mail opened in Chromium.
/// </summary>
public sealed class NotificationTests(Engines engines)
{
    private const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

    [Fact]
    public async Task Reports_SentNowAndOnSchedule_RenderedForMailClients_NeitherSkippedNorRepeatedAcrossAKill_AndUnsubscribedWithoutSigningIn()
    {
        await using var mail = await MailSink.StartAsync();
        await using var postgres = await engines.NewPostgresAsync();
        var server = await ServerProcess.StartAsync(engines, await ConfiguredAsync(mail, postgres.ConnectionString, new() { ["IntervalSeconds"] = 1 }), null, []);
        try
        {
            var shop = await AnalyticsProcess.RunAsync(server.Data, "properties", "add", "shop.example", "--timezone", "Asia/Kolkata");
            Assert.True(shop.Exit == 0, shop.Stderr);

            // Last week's traffic: 5 visitors on /, 3 of them also on /pricing, 2 from Google.
            var today = NodaTime.SystemClock.Instance.GetCurrentInstant().InZone(NodaTime.DateTimeZoneProviders.Tzdb["Asia/Kolkata"]).Date;
            var lines = new StringBuilder();
            for (var visitor = 0; visitor < 5; visitor++)
            {
                var at = today.PlusDays(-1 - visitor).AtMidnight().PlusHours(10).InZoneLeniently(NodaTime.DateTimeZoneProviders.Tzdb["Asia/Kolkata"]).ToInstant();
                var referrer = visitor < 2 ? "\"referrer\": \"https://www.google.com/\", \"referrer_source\": \"Google\", " : string.Empty;
                lines.Append($$"""{"timestamp": "{{at}}", "name": "pageview", "pathname": "/", {{referrer}}"visitor_id": "v{{visitor}}"}""").Append('\n');
                if (visitor < 3)
                {
                    lines.Append($$"""{"timestamp": "{{at.Plus(NodaTime.Duration.FromMinutes(1))}}", "name": "pageview", "pathname": "/pricing", "visitor_id": "v{{visitor}}"}""").Append('\n');
                }
            }

            var file = Path.Combine(server.Data, "week.jsonl");
            await File.WriteAllTextAsync(file, lines.ToString());
            var imported = await AnalyticsProcess.RunAsync(server.Data, "import", "--property", "shop.example", file);
            Assert.True(imported.Exit == 0, imported.Stderr);

            // Bad input names the option; nothing is sent.
            var bad = await AnalyticsProcess.RunAsync(server.Data, "reports", "send", "--property", "shop.example", "--email", "owner@example.com", "--period", "fortnight");
            Assert.NotEqual(0, bad.Exit);
            Assert.Contains("--period", bad.Stderr, StringComparison.Ordinal);

            // A report now, through the running server, to a recipient of the weekly report (so it has the unsubscribe link).
            Assert.Equal(0, (await AnalyticsProcess.RunAsync(server.Data, "reports", "add", "--property", "shop.example", "--email", "owner@example.com", "--every", "week")).Exit);
            var sent = await AnalyticsProcess.RunAsync(server.Data, "reports", "send", "--property", "shop.example", "--email", "owner@example.com", "--period", "week");
            Assert.True(sent.Exit == 0, sent.Stderr);
            var message = await mail.WaitForAsync("owner@example.com", "shop.example: weekly report");
            Assert.Contains("Visitors: 5", message.TextBody, StringComparison.Ordinal);
            Assert.Contains("Google: 2", message.TextBody, StringComparison.Ordinal);
            Assert.Contains("/pricing: 3", message.TextBody, StringComparison.Ordinal);

            // A monthly one names its month.
            var monthly = await AnalyticsProcess.RunAsync(server.Data, "reports", "send", "--property", "shop.example", "--email", "owner@example.com", "--period", "month");
            Assert.True(monthly.Exit == 0, monthly.Stderr);
            var lastMonth = today.PlusMonths(-1);
            Assert.Contains($"Visitors per day", (await mail.WaitForAsync("owner@example.com", $"shop.example: monthly report, {lastMonth.ToString("MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture)}")).TextBody, StringComparison.Ordinal);

            // Opened in a browser as a mail client would show it: the numbers, a bar a day, and nothing fetched from elsewhere.
            await using (var browser = await Browser.LaunchAsync())
            {
                var (context, page, _) = await browser.NewPageAsync(server.Http.BaseAddress!.ToString().TrimEnd('/'), 640, 900);
                var requests = new List<string>();
                page.Request += (_, request) => requests.Add(request.Url);
                await page.SetContentAsync(message.HtmlBody!);
                Assert.Equal("5", await page.InnerTextAsync("[data-stat=Visitors] [data-value]"));
                Assert.Equal("8", await page.InnerTextAsync("[data-stat=Pageviews] [data-value]"));
                Assert.Equal(7, await page.Locator("[data-graph] td[data-day]").CountAsync());
                Assert.Equal(5, await page.Locator("[data-graph] td[data-visitors='1']").CountAsync());
                Assert.Contains("Google", await page.InnerTextAsync("[data-list='Top sources']"), StringComparison.Ordinal);
                Assert.Contains("/pricing", await page.InnerTextAsync("[data-list='Top pages']"), StringComparison.Ordinal);
                Assert.StartsWith(server.Http.BaseAddress!.ToString() + "properties/shop.example?period=custom&from=", await page.GetAttributeAsync("[data-dashboard]", "href"), StringComparison.Ordinal);
                Assert.Empty(requests);
                Assert.Contains("/unsubscribe?token=uns_", await page.GetAttributeAsync("[data-unsubscribe]", "href"), StringComparison.Ordinal);
                Assert.DoesNotContain("<script", message.HtmlBody, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("<img", message.HtmlBody, StringComparison.OrdinalIgnoreCase);
                if (Environment.GetEnvironmentVariable("ANALYTICS_SCREENSHOTS") is { Length: > 0 } directory)
                {
                    // With ANALYTICS_SCREENSHOTS set to a directory, the mail as docs/images/report-email.png shows it.
                    await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, "report-email.png"), FullPage = true });
                }

                var box = await page.Locator("[data-stats]").BoundingBoxAsync();
                Assert.True(box!.Width <= 600, $"{box.Width} px wide");
                await context.CloseAsync();
            }

            // Twelve weekly recipients, added long ago: the scheduler sends each last week's report once. The server is
            // killed while it sends; the one that takes over sends the rest.
            var recipients = Enumerable.Range(1, 12).Select(i => $"r{i}@example.com").ToList();
            foreach (var recipient in recipients)
            {
                var added = await AnalyticsProcess.RunAsync(server.Data, "reports", "add", "--property", "shop.example", "--email", recipient, "--every", "week");
                Assert.True(added.Exit == 0, added.Stderr);
            }

            await using (var connection = await postgres.OpenConnectionAsync())
            {
                await connection.ExecuteAsync("UPDATE email_reports SET created_at = now() - interval '40 days' WHERE email LIKE 'r%@example.com'");
            }

            await WaitAsync(() => recipients.Count(r => mail.Messages.Any(m => To(m) == r)) >= 3, "the first scheduled reports");
            await server.KillAsync();
            var (data, port) = (server.Data, server.Port);
            await server.DisposeAsync();
            server = await ServerProcess.StartAsync(engines, data, port, []);
            await WaitAsync(() => recipients.All(r => mail.Messages.Any(m => To(m) == r)), "every scheduled report");
            await Task.Delay(3_000); // rounds enough to repeat one, if anything would
            foreach (var recipient in recipients)
            {
                var received = mail.Messages.Where(m => To(m) == recipient).ToList();
                // One message each. A kill in the instant between the mail server's acceptance and its record could send
                // one again: it would carry the same Message-ID, which is what this allows and no more.
                Assert.Single(received.Select(m => m.MessageId).Distinct());
                Assert.Contains("weekly report", received[0].Subject, StringComparison.Ordinal);
            }

            Assert.InRange(mail.Messages.Count(m => recipients.Contains(To(m))), 12, 13);
            await using (var connection = await postgres.OpenConnectionAsync())
            {
                Assert.Equal(12, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM deliveries WHERE source LIKE 'report:%' AND state = 'sent'"));
            }

            // Each has a List-Unsubscribe header (one click) and a link that works without signing in, asking first.
            var first = mail.Messages.First(m => To(m) == "r1@example.com");
            Assert.Contains("/unsubscribe/one-click?token=", first.Headers["List-Unsubscribe"], StringComparison.Ordinal);
            var link = MailSink.Link(first, "/unsubscribe?token=");
            using var anonymous = new Security.FormClient(server);
            Assert.Contains("Stop the weekly report of <strong>shop.example</strong> to <strong>r1@example.com</strong>", await anonymous.GetStringAsync(new Uri(link).PathAndQuery), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Found, await anonymous.PostFormAsync(new Uri(link).PathAndQuery, "unsubscribe"));
            using var oneClick = await server.Http.PostAsync(new Uri(first.Headers["List-Unsubscribe"]!.Trim('<', '>')).PathAndQuery, new StringContent("List-Unsubscribe=One-Click"));
            Assert.Equal(HttpStatusCode.NotFound, oneClick.StatusCode); // gone already
            var listed = await AnalyticsProcess.RunAsync(data, "reports", "list", "--property", "shop.example");
            Assert.DoesNotContain("r1@example.com", listed.Stdout, StringComparison.Ordinal);
            Assert.Contains("r2@example.com", listed.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Alerts_ASpikeToAWebhook_RetriedWithBackoff_ThenQuiet_AndADropByMail()
    {
        await using var mail = await MailSink.StartAsync();
        await using var postgres = await engines.NewPostgresAsync();
        using var hook = new HttpListener();
        var hookPort = AnalyticsProcess.FreePort();
        hook.Prefixes.Add($"http://127.0.0.1:{hookPort}/");
        hook.Start();
        var received = new List<(DateTime At, JsonObject Body)>();
        var receiver = Task.Run(async () =>
        {
            while (hook.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await hook.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) // stopped
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                lock (received)
                {
                    received.Add((DateTime.UtcNow, JsonNode.Parse(reader.ReadToEnd())!.AsObject()));
                    context.Response.StatusCode = received.Count == 1 ? 500 : 200; // the first attempt fails
                }

                context.Response.Close();
            }
        });

        await using var server = await ServerProcess.StartAsync(engines, await ConfiguredAsync(mail, postgres.ConnectionString, new() { ["IntervalSeconds"] = 1, ["RetryBaseSeconds"] = 2 }), null, []);
        var news = await AnalyticsProcess.RunAsync(server.Data, "properties", "add", "news.example", "--timezone", "America/St_Johns");
        Assert.True(news.Exit == 0, news.Stderr);
        var bad = await AnalyticsProcess.RunAsync(server.Data, "alerts", "add", "--property", "news.example", "--kind", "spike", "--threshold", "2", "--webhook", "ftp://example.com/");
        Assert.NotEqual(0, bad.Exit);
        Assert.Contains("--webhook", bad.Stderr, StringComparison.Ordinal);
        var spike = await AnalyticsProcess.RunAsync(server.Data, "alerts", "add", "--property", "news.example", "--kind", "spike", "--threshold", "2", "--webhook", $"http://127.0.0.1:{hookPort}/hook");
        Assert.True(spike.Exit == 0, spike.Stderr);

        // Three visitors now: more than 2.
        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/event") { Content = new StringContent("""{"n":"pageview","u":"https://news.example/story","d":"news.example"}""") };
            request.Headers.TryAddWithoutValidation("User-Agent", $"{Chrome} v{i}");
            Assert.Equal(HttpStatusCode.Accepted, (await server.Http.SendAsync(request)).StatusCode);
        }

        await WaitAsync(() => { lock (received) { return received.Count >= 2; } }, "the webhook, tried again after its 500");
        var (failed, delivered) = (received[0], received[1]);
        Assert.InRange((delivered.At - failed.At).TotalSeconds, 1.5, 30); // waited the backoff's first step
        Assert.Equal(failed.Body.ToJsonString(), delivered.Body.ToJsonString()); // the same message again
        Assert.Contains("news.example has 3 current visitors", delivered.Body["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("spike", delivered.Body["kind"]!.GetValue<string>());
        Assert.Equal(3, delivered.Body["visitors"]!.GetValue<int>());

        // Quiet hours: the spike goes on, the alert does not repeat.
        await Task.Delay(4_000);
        lock (received)
        {
            Assert.Equal(2, received.Count);
        }

        await using (var connection = await postgres.OpenConnectionAsync())
        {
            var log = (await connection.QueryAsync<(string State, int Attempts, string? Error)>("SELECT state, attempts, last_error FROM deliveries WHERE source LIKE 'alert:%'")).Single();
            Assert.Equal(("sent", 2), (log.State, log.Attempts));
        }

        // A drop: 28 usual days of 20 visitors, and 4 yesterday (below 50%); checked once the day is over.
        var zone = NodaTime.DateTimeZoneProviders.Tzdb["America/St_Johns"];
        var today = NodaTime.SystemClock.Instance.GetCurrentInstant().InZone(zone).Date;
        var lines = new StringBuilder();
        for (var back = 1; back <= 29; back++)
        {
            for (var visitor = 0; visitor < (back == 1 ? 4 : 20); visitor++)
            {
                var at = today.PlusDays(-back).AtMidnight().PlusHours(12).InZoneLeniently(zone).ToInstant();
                lines.Append($$"""{"timestamp": "{{at}}", "name": "pageview", "pathname": "/", "visitor_id": "d{{back}}-{{visitor}}"}""").Append('\n');
            }
        }

        var file = Path.Combine(server.Data, "history.jsonl");
        await File.WriteAllTextAsync(file, lines.ToString());
        Assert.Equal(0, (await AnalyticsProcess.RunAsync(server.Data, "import", "--property", "news.example", file)).Exit);
        var drop = await AnalyticsProcess.RunAsync(server.Data, "alerts", "add", "--property", "news.example", "--kind", "drop", "--threshold", "50", "--email", "editor@example.com");
        Assert.True(drop.Exit == 0, drop.Stderr);
        var dropped = await mail.WaitForAsync("editor@example.com", "Traffic drop on news.example: 4 visitors");
        Assert.Contains("20% of a usual day (20: the average of the 28 days before), below your alert's 50%", dropped.TextBody, StringComparison.Ordinal);
        var listed = await AnalyticsProcess.RunAsync(server.Data, "alerts", "list", "--property", "news.example");
        Assert.Contains("drop\t50\teditor@example.com\t24h", listed.Stdout, StringComparison.Ordinal);

        hook.Stop();
        await receiver;
    }

    /// <summary>
    /// A data directory whose config file (analytics.json, read by the server and the command line alike) sends mail to
    /// the sink, keeps accounts in the test's PostgreSQL (which the test reads), and sets the scheduler.
    /// </summary>
    private async Task<string> ConfiguredAsync(MailSink mail, string postgres, JsonObject scheduler)
    {
        var data = Path.Combine(engines.Root, $"notify-{Guid.NewGuid():N}"[..20]);
        Directory.CreateDirectory(data);
        var config = new JsonObject
        {
            ["Postgres"] = new JsonObject { ["ConnectionString"] = postgres },
            ["Smtp"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = mail.Port, ["EnableSsl"] = false },
            ["Scheduler"] = scheduler,
        };
        await File.WriteAllTextAsync(Path.Combine(data, "analytics.json"), config.ToJsonString());
        return data;
    }

    private static string To(MimeKit.MimeMessage message) => message.To.Mailboxes.Single().Address;

    private static async Task WaitAsync(Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Never saw " + what);
            }

            await Task.Delay(100);
        }
    }
}
