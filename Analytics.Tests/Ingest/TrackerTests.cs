using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using Analytics.Storage.ClickHouse;
using Analytics.Ingest.Collect;
using Analytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;

namespace Analytics.Tests.Ingest;

public sealed class TrackerTests(Engines engines)
{
    private const string Page = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Tracker test</title>
        <meta name="analytics:type" content="article"><meta name="analytics:author" content="Ada">
        <script>
          window.analytics = window.analytics || function () { (window.analytics.q = window.analytics.q || []).push(arguments) };
          analytics("Queued Before Load", { props: { early: "yes" } });
        </script>
        <script defer data-domain="site.example" data-local="true" data-outbound="true" data-downloads="true" src="ANALYTICS/js/script.js"></script>
        </head>
        <body style="height: 6000px">
          <a id="spa" href="#" onclick="history.pushState({}, '', '/spa/next'); return false;">next</a>
          <a id="download" href="/files/report.pdf" download>report</a>
          <a id="outbound" href="https://external.example/path">elsewhere</a>
          <button id="buy" onclick="analytics('Purchase', { props: { plan: 'pro' }, revenue: { amount: 49.5, currency: 'EUR' } })">buy</button>
        </body></html>
        """;

    private const string Site = "http://site.example/";

    private sealed record Row(string Name, string Pathname, ulong SessionId, ulong VisitorId, Dictionary<string, string> Props, decimal RevenueAmount,
        string RevenueCurrency, byte ScrollDepth, uint EngagementMs, string ContentType, string Author, string Browser, string ScreenSize);

    [Fact]
    public void Script_IsAtMost1Point5KiBGzipped()
    {
        Assert.True(TrackerScript.GzipSize <= 1536, $"{TrackerScript.GzipSize} bytes gzipped");
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(File.ReadAllBytes(Path.Combine(Repository.Root, "tracker", "dist", "script.js")));
        }

        Assert.True(compressed.Length <= 1536, $"{compressed.Length} bytes gzipped");
    }

    [Theory]
    [InlineData("false", "script.js")]
    [InlineData("true", "script.tagged.js")]
    public async Task Dist_IsTheMinifiedBuildOfTheSource(string tagged, string output)
    {
        var tracker = Path.Combine(Repository.Root, "tracker");
        var start = new ProcessStartInfo("node", [Path.Combine(tracker, "node_modules", "terser", "bin", "terser"), "src/script.js", "--compress", "passes=2", "--mangle", "--toplevel", "--define", $"TAGGED={tagged}"])
        {
            WorkingDirectory = tracker,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var built = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, $"terser failed (run 'npm ci' in tracker/): {errors}");
        Assert.True(built.Trim() == (await File.ReadAllTextAsync(Path.Combine(tracker, "dist", output))).Trim(),
            $"tracker/dist/{output} is not the build of tracker/src/script.js: run 'npm run build' in tracker/ and commit it.");
    }

    [Fact]
    public async Task Script_IsServedWithCachingHeaders()
    {
        await using var app = await CollectApp.StartAsync(engines);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/js/script.js");
        request.Headers.AcceptEncoding.ParseAdd("gzip");

        var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gzip", response.Content.Headers.ContentEncoding.Single());
        Assert.Equal(86400, (int)response.Headers.CacheControl!.MaxAge!.Value.TotalSeconds);
        using var again = new HttpRequestMessage(HttpMethod.Get, "/js/script.js");
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await app.Client.SendAsync(again)).StatusCode);

        // HEAD (uptime checks, Plausible's own installation check) answers as GET does, without the body.
        using var head = new HttpRequestMessage(HttpMethod.Head, "/js/script.js");
        head.Headers.AcceptEncoding.ParseAdd("gzip");
        var headers = await app.Client.SendAsync(head);
        Assert.Equal(HttpStatusCode.OK, headers.StatusCode);
        Assert.Equal(response.Content.Headers.ContentType, headers.Content.Headers.ContentType);
        Assert.Equal(response.Headers.ETag, headers.Headers.ETag);
        Assert.Empty(await headers.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task RealChromium_PageWithTracker_EveryKindOfEventArrivesEnrichedInOneSession()
    {
        await using var app = await CollectApp.StartAsync(engines);
        await app.AddPropertyAsync("site.example");
        var analytics = app.Client.BaseAddress!.ToString().TrimEnd('/');

        await using var browser = await Browser.LaunchAsync();
        var (_, page, _) = await browser.NewPageAsync(analytics, 1280, 800, "https://external.example/", Site);
        var log = new System.Text.StringBuilder();
        page.Console += (_, message) => log.AppendLine($"console: {message.Text}");
        page.PageError += (_, error) => log.AppendLine($"page error: {error}");
        page.RequestFinished += (_, request) => log.AppendLine($"request: {request.Method} {request.Url}");
        page.RequestFailed += (_, request) => log.AppendLine($"failed: {request.Method} {request.Url} {request.Failure}");
        await ElsewhereAsync(page);

        // The site is another origin, as a real one is: its page loads the script from the analytics server and posts there.
        await page.RouteAsync(Site + "**", route => route.FulfillAsync(route.Request.Url.EndsWith(".pdf", StringComparison.Ordinal)
            ? new RouteFulfillOptions { BodyBytes = "%PDF-1.4"u8.ToArray(), ContentType = "application/pdf" }
            : new RouteFulfillOptions { Body = Page.Replace("ANALYTICS", analytics, StringComparison.Ordinal), ContentType = "text/html; charset=utf-8" }));
        await page.GotoAsync(Site + "test/page");
        await page.WaitForFunctionAsync("() => window.analytics && !window.analytics.q");
        await page.Mouse.WheelAsync(0, 2500);
        await page.WaitForTimeoutAsync(1200);
        await page.ClickAsync("#buy");
        await page.ClickAsync("#spa");
        await page.ClickAsync("#download");
        await page.WaitForTimeoutAsync(300);
        await LeaveByOutboundLinkAsync(page); // the last engagement is sent on pagehide

        var rows = await WaitForAsync(app.ClickHouse, 8);
        var names = rows.Select(r => r.Name).Order().ToList();
        var seen = string.Join('\n', rows.Select(r => $"{r.Name} {r.Pathname} sd={r.ScrollDepth} e={r.EngagementMs}"));
        Assert.True(rows.Count >= 8, $"{rows.Count} events arrived:\n{seen}\n{log}\n{await app.Client.GetStringAsync("/metrics")}");
        Assert.True(names.SequenceEqual(["File Download", "Outbound Link: Click", "Purchase", "Queued Before Load", "engagement", "engagement", "pageview", "pageview"]), seen);
        Assert.Single(rows.Select(r => r.SessionId).Distinct());
        Assert.Single(rows.Select(r => r.VisitorId).Distinct());

        var first = rows.First(r => r.Name == "pageview" && r.Pathname == "/test/page");
        Assert.Equal(("article", "Ada", "Chrome", "laptop"), (first.ContentType, first.Author, first.Browser, first.ScreenSize));
        Assert.Contains(rows, r => r.Name == "pageview" && r.Pathname == "/spa/next");
        var engagement = rows.First(r => r.Name == "engagement" && r.Pathname == "/test/page");
        Assert.True(engagement.ScrollDepth > 20, $"scroll depth {engagement.ScrollDepth}");
        Assert.True(engagement.EngagementMs >= 1000, $"engaged {engagement.EngagementMs} ms");
        Assert.Equal("yes", rows.Single(r => r.Name == "Queued Before Load").Props["early"]);
        var purchase = rows.Single(r => r.Name == "Purchase");
        Assert.Equal(("pro", 49.5m, "EUR"), (purchase.Props["plan"], purchase.RevenueAmount, purchase.RevenueCurrency));
        Assert.EndsWith("/files/report.pdf", rows.Single(r => r.Name == "File Download").Props["url"], StringComparison.Ordinal);
        Assert.Equal("https://external.example/path", rows.Single(r => r.Name == "Outbound Link: Click").Props["url"]);
    }

    /// <summary>
    /// Plausible's own tracker (its npm package, pinned in tracker/package.json) on a page, sending to us: its pageview,
    /// a custom event with props and its revenue (sent as "$"), and an outbound link arrive as Plausible would store them.
    /// </summary>
    [Fact]
    public async Task RealChromium_PlausiblesOwnTrackerFromNpm_PageviewCustomEventRevenueAndOutboundLinkArrive()
    {
        await using var app = await CollectApp.StartAsync(engines);
        await app.AddPropertyAsync("site.example");
        var analytics = app.Client.BaseAddress!.ToString().TrimEnd('/');
        var tracker = Path.Combine(Repository.Root, "tracker", "node_modules", "@plausible-analytics", "tracker", "plausible.js");
        Assert.True(File.Exists(tracker), $"{tracker} is missing: run 'npm ci' in tracker/");

        await using var browser = await Browser.LaunchAsync();
        var (_, page, _) = await browser.NewPageAsync(analytics, 1280, 800, "https://external.example/", Site);
        await page.AddInitScriptAsync("Object.defineProperty(navigator, 'webdriver', { get: () => false })"); // a person's browser, not a driven one
        await ElsewhereAsync(page);
        var html = $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Plausible's tracker</title>
            <script type="module">
              import { init, track } from "/plausible.js";
              init({ domain: "site.example", endpoint: "{{analytics}}/api/event", outboundLinks: true });
              document.getElementById("buy").onclick = () => track("Purchase", { props: { plan: "pro" }, revenue: { amount: 10.25, currency: "USD" } });
              window.ready = true;
            </script></head>
            <body><button id="buy">buy</button> <a id="outbound" href="https://external.example/path">elsewhere</a></body></html>
            """;
        await page.RouteAsync(Site + "**", route => route.FulfillAsync(route.Request.Url.EndsWith("/plausible.js", StringComparison.Ordinal)
            ? new RouteFulfillOptions { Path = tracker, ContentType = "text/javascript" }
            : new RouteFulfillOptions { Body = html, ContentType = "text/html; charset=utf-8" }));

        await page.GotoAsync(Site + "shop?utm_source=newsletter");
        await page.WaitForFunctionAsync("() => window.ready");
        await page.ClickAsync("#buy");
        await page.WaitForTimeoutAsync(300);
        await LeaveByOutboundLinkAsync(page);

        // Its engagement event (sent when the page is left) has our name and fields too.
        var rows = await WaitForAsync(app.ClickHouse, 4);
        var seen = string.Join('\n', rows.Select(r => $"{r.Name} {r.Pathname} {r.RevenueAmount} {r.RevenueCurrency}"));
        Assert.True(rows.Select(r => r.Name).Order(StringComparer.Ordinal).SequenceEqual(["Outbound Link: Click", "Purchase", "engagement", "pageview"]), seen);
        Assert.Single(rows.Select(r => r.SessionId).Distinct());
        var purchase = rows.Single(r => r.Name == "Purchase");
        Assert.Equal(("/shop", "pro", 10.25m, "USD"), (purchase.Pathname, purchase.Props["plan"], purchase.RevenueAmount, purchase.RevenueCurrency));
        Assert.Equal("https://external.example/path", rows.Single(r => r.Name == "Outbound Link: Click").Props["url"]);
    }

    /// <summary>Plausible's script names work as ours with the matching options: here outbound links, local and manual page views.</summary>
    [Fact]
    public async Task RealChromium_PlausiblesScriptNames_SetTheTrackersOptions()
    {
        await using var app = await CollectApp.StartAsync(engines);
        await app.AddPropertyAsync("site.example");
        var analytics = app.Client.BaseAddress!.ToString().TrimEnd('/');
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/js/script.outbound-links.file-downloads.hash.js")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/js/script.nonsense.js")).StatusCode);

        await using var browser = await Browser.LaunchAsync();
        var (_, page, _) = await browser.NewPageAsync(analytics, 1280, 800, "https://external.example/", Site);
        await ElsewhereAsync(page);
        var html = $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Script names</title>
            <script defer data-domain="site.example" src="{{analytics}}/js/script.manual.outbound-links.local.js"></script></head>
            <body><button id="view" onclick="analytics('pageview', { u: location.href + '#manual' })">view</button> <a id="outbound" href="https://external.example/path">elsewhere</a></body></html>
            """;
        await page.RouteAsync(Site + "**", route => route.FulfillAsync(new RouteFulfillOptions { Body = html, ContentType = "text/html; charset=utf-8" }));
        await page.GotoAsync(Site + "named");
        await page.WaitForFunctionAsync("() => typeof window.analytics == 'function'");
        await page.ClickAsync("#view");
        await page.WaitForTimeoutAsync(300);
        await LeaveByOutboundLinkAsync(page);

        // One page view (the page's own call: manual), and the outbound click; local and automated pages are recorded (local).
        await WaitForAsync(app.ClickHouse, 2);
        await Task.Delay(500); // a second, automatic page view would have arrived by now
        var rows = await WaitForAsync(app.ClickHouse, 2);
        var seen = string.Join('\n', rows.Select(r => $"{r.Name} {r.Pathname}"));
        Assert.True(rows.Where(r => r.Name != "engagement").Select(r => r.Name).Order(StringComparer.Ordinal).SequenceEqual(["Outbound Link: Click", "pageview"]), seen);
    }

    /// <summary>The tagged build (Plausible's tagged events and form submissions), served for the names that ask for it.</summary>
    [Fact]
    public async Task RealChromium_TaggedEventsFormSubmissionsAndPageviewProps_ArriveFromTheTaggedBuild()
    {
        await using var app = await CollectApp.StartAsync(engines);
        await app.AddPropertyAsync("site.example");
        var analytics = app.Client.BaseAddress!.ToString().TrimEnd('/');
        var plain = await app.Client.GetStringAsync("/js/script.js");
        var tagged = await app.Client.GetStringAsync("/js/script.tagged-events.js");
        Assert.DoesNotContain("plausible-event-", plain, StringComparison.Ordinal);
        Assert.Contains("plausible-event-", tagged, StringComparison.Ordinal);

        await using var browser = await Browser.LaunchAsync();
        var (_, page, _) = await browser.NewPageAsync(analytics, 1280, 800, Site);
        var html = $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Tagged</title>
            <script defer data-domain="site.example" event-author="Ada" event-plan="free" src="{{analytics}}/js/script.tagged-events.form-submissions.pageview-props.local.js"></script></head>
            <body>
              <button id="signup" class="big plausible-event-name=Signup+Click plausible-event-plan=pro"><span id="inner">sign up</span></button>
              <a id="docs" class="plausible-event-name--Docs" href="#docs">docs</a>
              <button id="plain">not tagged</button>
              <form id="newsletter" class="plausible-event-name=Newsletter" onsubmit="event.preventDefault()"><button id="subscribe">subscribe</button></form>
              <form id="contact" onsubmit="event.preventDefault()"><input name="email" value="a@example.com" required><button id="send">send</button></form>
            </body></html>
            """;
        await page.RouteAsync(Site + "**", route => route.FulfillAsync(new RouteFulfillOptions { Body = html, ContentType = "text/html; charset=utf-8" }));
        await page.GotoAsync(Site + "tagged");
        await page.WaitForFunctionAsync("() => typeof window.analytics == 'function'");
        foreach (var id in new[] { "#inner", "#docs", "#plain", "#subscribe", "#send" })
        {
            await page.ClickAsync(id);
        }

        var rows = await WaitForAsync(app.ClickHouse, 5);
        var seen = string.Join('\n', rows.Select(r => $"{r.Name} {string.Join(",", r.Props.Select(p => p.Key + "=" + p.Value))}"));
        Assert.True(rows.Select(r => r.Name).Order(StringComparer.Ordinal).SequenceEqual(["Docs", "Form: Submission", "Newsletter", "Signup Click", "pageview"]), seen);
        Assert.Equal(("pro", "Ada"), (rows.Single(r => r.Name == "Signup Click").Props["plan"], rows.Single(r => r.Name == "Signup Click").Props["author"])); // its own plan wins
        Assert.Equal(("free", "Ada"), (rows.Single(r => r.Name == "pageview").Props["plan"], rows.Single(r => r.Name == "pageview").Props["author"])); // the script tag's event-* attributes
    }

    /// <summary>Another site, https://external.example/, that outbound links lead to.</summary>
    private static async Task ElsewhereAsync(IPage page)
        => await page.RouteAsync("https://external.example/**", route => route.FulfillAsync(new RouteFulfillOptions { Body = "<p>elsewhere</p>", ContentType = "text/html" }));

    /// <summary>
    /// Clicks the page's #outbound link and waits until the tab shows the other site (the events are awaited by the
    /// caller). It polls the URL: Playwright's WaitForURL waits for a load state once the URL already matches, and the
    /// other site's load state was missed once in CI (a 30 s timeout with the page already there).
    /// </summary>
    private static async Task LeaveByOutboundLinkAsync(IPage page)
    {
        const string elsewhere = "https://external.example/path";
        await page.ClickAsync("#outbound");
        for (var attempt = 0; attempt < 100 && page.Url != elsewhere; attempt++)
        {
            await Task.Delay(100);
        }

        Assert.Equal(elsewhere, page.Url);
    }

    private static async Task<List<Row>> WaitForAsync(IClickHouse clickHouse, int expected)
    {
        List<Row> rows = [];
        for (var attempt = 0; attempt < 100 && rows.Count < expected; attempt++)
        {
            await Task.Delay(100);
            rows = (await clickHouse.QueryAsync<Row>("SELECT *, session_id FROM events ORDER BY timestamp")).ToList();
        }

        return rows;
    }
}
