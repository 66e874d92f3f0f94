using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Analytics.Tests.Host;
using Analytics.Tests.Infrastructure;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Analytics.Tests.Dashboard;

/// <summary>
/// The dashboard as its users meet it: the server as a user runs it, driven in Debian's Chromium. Pages render on the
/// server; every step is a real form post or link, as a person would click it.
/// </summary>
public sealed class DashboardTests(Engines engines)
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task Owner_SignsUp_AddsAProperty_SeesItsVisit_FiltersInPlace_OpensDetails_ExportsCsv_AddsGoalsAndAFunnel_ManagesKeys_AndOthersGetNotFound()
    {
        await using var server = await ServerProcess.StartAsync(engines);
        var origin = server.Http.BaseAddress!.ToString().TrimEnd('/');
        await using var browser = await Browser.LaunchAsync();
        var (context, page, problems) = await browser.NewPageAsync(origin, 1280, 900, "http://site.example/");

        // A fresh server sends its first visitor to sign up; the first account is the admin.
        await page.GotoAsync(origin + "/");
        Assert.EndsWith("/signup", page.Url, StringComparison.Ordinal);
        Assert.Equal("Create the admin account", await page.InnerTextAsync("h1"));
        await SignUpAsync(page, "ada@example.com");
        Assert.Equal("grid", await page.EvalOnSelectorAsync<string>(".property-list", "e => getComputedStyle(e).display"));

        // Bad input is answered with the field's name, and nothing is added; the time zone picker finds zones by any word.
        await InteractiveAsync(page);
        await page.ClickAsync("text=Add a property");
        await page.WaitForURLAsync("**/properties/new");
        await InteractiveAsync(page);
        await page.FillAsync("#domain", "not a domain");
        await Button(page, "Add property").ClickAsync();
        Assert.Contains("Domain: 'not a domain' is not a domain name", await page.InnerTextAsync(".form-error"), StringComparison.Ordinal);
        await page.FillAsync("#domain", "https://www.site.example/");
        await page.FillAsync("#timezone", "kathmandu");
        await page.ClickAsync(".mud-popover-open .mud-list-item:has-text('Asia/Kathmandu')");
        await Button(page, "Add property").ClickAsync();
        await page.WaitForURLAsync("**/properties/site.example/settings");
        Assert.Contains($"data-domain=\"site.example\" src=\"{origin}/js/script.js\"", await page.InnerTextAsync("#snippet"), StringComparison.Ordinal);
        Assert.StartsWith("No event has arrived yet", await page.InnerTextAsync("[data-install-status]"), StringComparison.Ordinal);

        // Tried on localhost first, without data-local: the tracker records nothing but sends a notice, and the
        // installation check says why nothing arrived.
        var localhost = await context.NewPageAsync();
        await localhost.RouteAsync("http://localhost:4999/**", route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/html",
            Body = $"<!doctype html><title>Local</title><script defer data-domain=\"site.example\" src=\"{origin}/js/script.js\"></script><h1>Local</h1>",
        }));
        await localhost.GotoAsync("http://localhost:4999/draft");
        await EventuallyAsync(page, "[data-drop=localhost]", text => text.StartsWith("1 · Page views on localhost, not recorded", StringComparison.Ordinal)
            && text.Contains("data-local=\"true\"", StringComparison.Ordinal));
        Assert.StartsWith("No event has arrived yet", await page.InnerTextAsync("[data-install-status]"), StringComparison.Ordinal);
        await localhost.CloseAsync();

        // A page of the site carrying the snippet, visited in another tab, with a custom event (data-local: the tracker
        // otherwise ignores automated browsers).
        var site = await context.NewPageAsync();
        await site.RouteAsync("http://site.example/**", route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/html",
            Body = $"<!doctype html><title>Hello</title><script defer data-local=\"true\" data-domain=\"site.example\" src=\"{origin}/js/script.js\"></script><h1>Hello</h1>",
        }));
        await site.GotoAsync("http://site.example/hello");
        await site.WaitForFunctionAsync("() => window.analytics && !window.analytics.q");
        await site.EvaluateAsync("() => analytics('Signup', {props: {plan: 'pro'}})");
        await site.GotoAsync("http://site.example/pricing");

        await EventuallyAsync(page, "[data-install-status]", text => text.StartsWith("Working", StringComparison.Ordinal));
        await page.ClickAsync("text=Open dashboard");
        await EventuallyAsync(page, "[data-panel=events]", text => text.Contains("Signup", StringComparison.Ordinal));
        await InteractiveAsync(page);
        Assert.Equal("1", await page.InnerTextAsync("[data-metric=visitors] .stat-value"));
        Assert.Equal("2", await page.InnerTextAsync("[data-metric=pageviews] .stat-value"));
        Assert.Contains("/hello", await page.InnerTextAsync("[data-panel=pages]"), StringComparison.Ordinal);
        Assert.Contains("Direct / None", await page.InnerTextAsync("[data-panel=sources]"), StringComparison.Ordinal);
        Assert.Equal("1", await page.InnerTextAsync("[data-realtime-count]"));

        // Clicking a row filters in place: the URL changes, the page is not loaded again, the scroll position stays.
        await page.EvaluateAsync("() => { window.sameDocument = true; window.scrollTo(0, 400); }");
        await page.ClickAsync("[data-panel=pages] a:text-is('/hello')");
        await page.WaitForSelectorAsync(".chip[data-filter='event:page']");
        Assert.Contains("event:page", Uri.UnescapeDataString(page.Url), StringComparison.Ordinal);
        await ViewShownAsync(page);
        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"), "The filter click loaded the page again.");
        Assert.InRange(await page.EvaluateAsync<double>("() => window.scrollY"), 300, 500);
        Assert.Equal("1", await page.InnerTextAsync("[data-metric=pageviews] .stat-value"));
        Assert.Equal("1", await page.InnerTextAsync("[data-realtime-count]"));
        await page.ClickAsync("[data-panel=events] a:text-is('Signup')");
        await page.WaitForSelectorAsync("[data-panel=props]");
        Assert.Equal(2, await page.Locator(".chip").CountAsync());
        Assert.Contains("pro", await page.InnerTextAsync("[data-panel=props]"), StringComparison.Ordinal);

        // Back and forward walk the views; removing a chip removes its filter.
        await page.GoBackAsync();
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.chip').length === 1");
        await page.GoForwardAsync();
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.chip').length === 2");
        await page.ClickAsync(".chip[data-filter='event:page'] .chip-remove");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.chip').length === 1");
        await page.ClickAsync(".chip .chip-remove");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.chip').length === 0");
        Assert.DoesNotContain("filters=", page.Url, StringComparison.Ordinal);

        // The filter editor: "is not" with a value picked from the suggestions of the range.
        await page.ClickAsync("[data-add-filter]");
        await page.SelectOptionAsync("[data-filter-dimension]", "event:page");
        await page.SelectOptionAsync("[data-filter-operator]", "is_not");
        await page.ClickAsync("[data-suggestion='/pricing']");
        await page.ClickAsync("[data-filter-apply]");
        await page.WaitForSelectorAsync(".chip[data-filter='event:page']");
        await ViewShownAsync(page);
        Assert.Contains("is not", await page.InnerTextAsync(".chip[data-filter='event:page']"), StringComparison.Ordinal);
        Assert.Equal("1", await page.InnerTextAsync("[data-metric=pageviews] .stat-value"));
        Assert.DoesNotContain("/pricing", await page.InnerTextAsync("[data-panel=pages]"), StringComparison.Ordinal);

        // Saved as a segment (a name is needed), the filters become one chip; the Segments menu applies it again, and
        // deleting it puts its filters back in the view.
        await page.ClickAsync("[data-save-segment]");
        await page.ClickAsync("[data-segment-form] button[type=submit]");
        Assert.Contains("Name: a segment needs a name", await page.InnerTextAsync("[data-segment-form] .form-error"), StringComparison.Ordinal);
        await page.FillAsync("#segment-name", "Not pricing");
        await page.CheckAsync("#segment-shared");
        await page.ClickAsync("[data-segment-form] button[type=submit]");
        await page.WaitForSelectorAsync(".chip[data-filter='segment']:has-text('Not pricing')");
        await ViewShownAsync(page);
        Assert.Equal("1", await page.InnerTextAsync("[data-metric=pageviews] .stat-value"));
        await page.ClickAsync(".chip[data-filter='segment'] .chip-remove");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.chip').length === 0");
        await ViewShownAsync(page);
        Assert.Equal("2", await page.InnerTextAsync("[data-metric=pageviews] .stat-value"));
        await page.ClickAsync("[data-segments] button");
        await page.ClickAsync("[data-segment='Not pricing']");
        await page.WaitForSelectorAsync(".chip[data-filter='segment']");
        await ViewShownAsync(page);
        Assert.Equal("1", await page.InnerTextAsync("[data-metric=pageviews] .stat-value"));
        await page.ClickAsync("[data-delete-segment]");
        await page.WaitForSelectorAsync(".chip[data-filter='event:page']:has-text('is not')");
        await ViewShownAsync(page);
        Assert.Equal(0, await page.Locator("[data-segments]").CountAsync());

        // Editing the chip: "contains" with two typed values, either of which matches.
        await page.ClickAsync(".chip[data-filter='event:page'] .chip-edit");
        await page.SelectOptionAsync("[data-filter-operator]", "contains");
        await page.ClickAsync("[data-chosen='/pricing'] .mud-chip-close-button");
        await page.FillAsync("[data-filter-value]", "hell");
        await page.PressAsync("[data-filter-value]", "Enter");
        await page.FillAsync("[data-filter-value]", "pric");
        await page.ClickAsync("[data-filter-apply]");
        await page.WaitForFunctionAsync("() => document.querySelector(\".chip[data-filter='event:page']\")?.innerText.includes('hell or pric')");
        await ViewShownAsync(page);
        Assert.Equal("2", await page.InnerTextAsync("[data-metric=pageviews] .stat-value"));
        await page.ClickAsync(".chip .chip-remove");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.chip').length === 0");

        // Details: the full list, searched.
        await page.ClickAsync("[data-details=pages]");
        await page.WaitForSelectorAsync("[data-details-table] tbody tr");
        Assert.Equal(2, await page.Locator("[data-details-table] tbody tr").CountAsync());
        await page.FillAsync("#details-search", "pric");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-details-table] tbody tr').length === 1");
        Assert.Contains("/pricing", await page.InnerTextAsync("[data-details-table] tbody"), StringComparison.Ordinal);
        Assert.Contains("details=pages", page.Url, StringComparison.Ordinal);
        await CloseByEscapeAsync(page, "() => !location.search.includes('details=') && !document.querySelector('.mud-dialog') && !document.querySelector('a[data-shortcut=w]').href.includes('details=')");

        // The latest visits (here: those with the custom event), and one visit's timeline, event by event.
        await page.ClickAsync("[data-panel=events] a:text-is('Signup')");
        await page.WaitForSelectorAsync(".chip[data-filter='event:name']");
        await ViewShownAsync(page);
        await page.WaitForSelectorAsync("[data-panel=visits][aria-busy=false] a[data-visit]");
        var visits = await page.InnerTextAsync("[data-panel=visits]");
        await page.ClickAsync("[data-panel=visits] a[data-visit]");
        await page.WaitForSelectorAsync("[data-timeline] li");
        var timeline = await page.InnerTextAsync("[data-timeline]");
        Assert.True(timeline.Contains("Signup /hello", StringComparison.Ordinal), $"The timeline: {timeline}\nThe visits panel, before the click: {visits}"); // once in CI, another visit's timeline: keep what it listed
        Assert.Contains("plan: pro", timeline, StringComparison.Ordinal);
        Assert.Contains("visit=", page.Url, StringComparison.Ordinal);
        await CloseByEscapeAsync(page, "() => !location.search.includes('visit=') && !document.querySelector('.mud-dialog') && !document.querySelector('a[data-shortcut=w]').href.includes('visit=')");
        await page.ClickAsync(".chip .chip-remove");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.chip').length === 0 && !document.querySelector('a[data-shortcut=w]').href.includes('filters=')");

        // Another range by keyboard (w: the last 7 days) and the graph by hours; both kept in the URL.
        await page.Keyboard.PressAsync("w");
        await page.WaitForFunctionAsync("() => location.search.includes('period=7d')");
        await ViewShownAsync(page);
        Assert.Equal("1", await page.InnerTextAsync("[data-metric=visitors] .stat-value"));
        await page.ClickAsync("[data-interval=hour]");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.graph-hover .bucket').length >= 7 * 24");
        Assert.Contains("interval=hour", page.Url, StringComparison.Ordinal);

        // The graph's values by keyboard: focused, the arrow keys walk its buckets and read each one's tooltip out,
        // and the range shortcuts on the same keys keep still.
        var hourly = page.Url;
        await page.FocusAsync("[data-graph-keys]");
        await page.Keyboard.PressAsync("End");
        await page.Keyboard.PressAsync("ArrowLeft");
        Assert.Equal(hourly, page.Url);
        var buckets = await page.Locator(".graph-hover .bucket").CountAsync();
        Assert.Equal((buckets - 2).ToString(System.Globalization.CultureInfo.InvariantCulture), await page.GetAttributeAsync(".graph-hover .bucket.focused", "data-bucket"));
        Assert.True(await page.IsVisibleAsync(".graph-hover .bucket.focused .tip"));
        Assert.Matches("visitors", await page.InnerTextAsync("[data-graph-announce]"));
        await page.Keyboard.PressAsync("Home");
        Assert.Equal("0", await page.GetAttributeAsync(".graph-hover .bucket.focused", "data-bucket"));
        Assert.Equal(hourly, page.Url);

        // A reversed custom range gets a message naming the field, and the view stays as it was.
        var before = page.Url;
        await page.FillAsync("#range-from", "2026-02-10");
        await page.FillAsync("#range-to", "2026-02-01");
        await page.ClickAsync("form[aria-label='Custom range'] button");
        Assert.Contains("To: the last day (2026-02-01) comes before the first (2026-02-10)", await page.InnerTextAsync("[data-view-error]"), StringComparison.Ordinal);
        Assert.Equal(before, page.Url);
        Assert.Equal("1", await page.InnerTextAsync("[data-metric=visitors] .stat-value"));

        // A filter with a typo in a shared URL is refused by name (400), not crashed on.
        var bad = await page.GotoAsync(origin + "/properties/site.example?filters=%5B%5B%22is%22%2C%22visit%3Acountri%22%2C%5B%22DE%22%5D%5D%5D");
        Assert.Equal(400, bad!.Status);
        Assert.Contains("visit:countri", await page.InnerTextAsync("[data-view-error]"), StringComparison.Ordinal);
        await page.GotoAsync(origin + "/properties/site.example");
        await InteractiveAsync(page);

        // The CSV exports of the pages panel, the top stats and the graph hold the same numbers.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-export='event:page']"));
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.StartsWith("event:page,visitors,pageviews,time_on_page,scroll_depth\r\n", csv, StringComparison.Ordinal);
        Assert.Contains("\r\n/hello,1,1,", csv, StringComparison.Ordinal);
        var top = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-export='top']"));
        Assert.StartsWith("visitors,visits,pageviews,views_per_visit,bounce_rate,visit_duration\r\n1,1,2,2,", await File.ReadAllTextAsync((await top.PathAsync())!), StringComparison.Ordinal);
        var series = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-export='time']"));
        var seriesLines = await File.ReadAllLinesAsync((await series.PathAsync())!);
        Assert.Equal("time:day,visitors", seriesLines[0]);
        Assert.Equal(31, seriesLines.Length);

        // Goals and a funnel added in the settings count the visit already stored; a bad pattern is refused by name.
        await page.GotoAsync(origin + "/properties/site.example/settings");
        await InteractiveAsync(page);
        await page.FillAsync("#goal-event", "Signup");
        await Button(page, "Add goal").ClickAsync();
        await page.WaitForSelectorAsync("tr[data-goal='Signup']");
        await page.SelectOptionAsync("#goal-kind", "page");
        foreach (var path in new[] { "pricing", "/hello", "/pricing" })
        {
            await page.FillAsync("#goal-page", path);
            await Button(page, "Add goal").ClickAsync();
            if (path == "pricing")
            {
                await EventuallyAsync(page, "[data-section=goals] .form-error", text => text.StartsWith("page: 'pricing' is not a path pattern", StringComparison.Ordinal));
            }
            else
            {
                await page.WaitForSelectorAsync($"tr[data-goal='Visit {path}']");
            }
        }

        await page.FillAsync("#funnel-name", "Hello to pricing");
        foreach (var (step, goal) in new[] { (1, "Visit /hello"), (2, "Visit /pricing") })
        {
            await page.SelectOptionAsync($"#funnel-step-{step}", goal);
        }

        await Button(page, "Add funnel").ClickAsync();
        await EventuallyAsync(page, "tr[data-funnel='Hello to pricing']", text => text.Contains("Visit /hello → Visit /pricing", StringComparison.Ordinal));

        await page.GotoAsync(origin + "/properties/site.example");
        await LoadedAsync(page);
        var goalRows = await page.Locator("[data-panel=goals] tbody tr").AllInnerTextsAsync();
        Assert.Equal(["Signup\t1\t1\t100%", "Visit /hello\t1\t1\t100%", "Visit /pricing\t1\t1\t100%"], goalRows.Select(r => r.Trim()).Order(StringComparer.Ordinal));
        await page.WaitForSelectorAsync("[data-panel=funnel][aria-busy=false]"); // its steps are counted after the view is shown
        Assert.Equal(["1", "1"], await page.Locator("[data-panel=funnel] [data-step-visitors]").AllInnerTextsAsync());

        // A goal's row filters the view to its conversions, and to its event's custom properties.
        await page.ClickAsync("[data-panel=goals] a:text-is('Signup')");
        await page.WaitForSelectorAsync(".chip[data-filter='event:goal']");
        await ViewShownAsync(page);
        Assert.Equal("Unique conversions", await page.TextContentAsync("[data-metric=visitors] .stat-label"));
        Assert.Equal("100%", await page.InnerTextAsync("[data-metric=conversion_rate] .stat-value"));
        Assert.Contains("pro", await page.InnerTextAsync("[data-panel=props]"), StringComparison.Ordinal);
        await page.ClickAsync(".chip .chip-remove");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.chip').length === 0");

        // An API key: shown once, works, shows its scope; reloading the page creates no second key; revoking asks first.
        await page.ClickAsync(".topbar a:text-is('API keys')");
        await InteractiveAsync(page);
        await page.FillAsync("#key-name", "ci");
        await Button(page, "Create key").ClickAsync();
        await page.WaitForSelectorAsync("#new-key");
        var secret = (await page.InnerTextAsync("#new-key")).Trim();
        Assert.StartsWith("ak_", secret, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await ApiStatusAsync(server, secret));
        Assert.Equal("All your properties", await page.InnerTextAsync("tr[data-key='ci'] [data-scope]"));
        Assert.Equal("Read statistics", await page.InnerTextAsync("tr[data-key='ci'] [data-use]"));
        await page.ReloadAsync();
        await InteractiveAsync(page);
        Assert.Equal(1, await page.Locator("tr[data-key]").CountAsync());
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
        await page.Locator("tr[data-key='ci']").GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true }).ClickAsync();
        Assert.Equal(HttpStatusCode.OK, await ApiStatusAsync(server, secret));
        await page.Locator("tr[data-key='ci']").GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelector(\"tr[data-key='ci']\").innerText.includes('revoked')");
        Assert.Equal(HttpStatusCode.Unauthorized, await ApiStatusAsync(server, secret));

        // Another user cannot tell that the property exists.
        var (_, other, otherProblems) = await browser.NewPageAsync(origin, 1280, 900);
        await other.GotoAsync(origin + "/signup");
        await SignUpAsync(other, "grace@example.com");
        Assert.DoesNotContain("site.example", await other.InnerTextAsync("main"), StringComparison.Ordinal);
        foreach (var path in new[] { "/properties/site.example", "/properties/site.example/settings" })
        {
            var response = await other.GotoAsync(origin + path);
            Assert.Equal(404, response!.Status);
            Assert.Equal("Not found", await other.InnerTextAsync("h1"));
        }

        var export = await other.APIRequest.GetAsync(origin + "/properties/site.example/export.csv?dimension=event:page");
        Assert.Equal(404, export.Status);

        // The owner renames the property, then deletes it: a wrong confirmation is refused, the right one removes it and its data.
        await page.GotoAsync(origin + "/properties/site.example/settings");
        await InteractiveAsync(page);
        await page.FillAsync("#general-name", "My site");
        await Button(page, "Save").ClickAsync();
        await page.WaitForSelectorAsync("[data-form=general] >> xpath=.. >> .form-ok");
        Assert.Equal("My site settings", await page.InnerTextAsync("h1"));

        // Privacy controls: a wrong hostname is refused, naming the field; what is saved shows again.
        await page.FillAsync("#privacy-hostnames", "site.example, bad_host!");
        await Button(page, "Save privacy settings").ClickAsync();
        Assert.Contains("Allowed hostnames: 'bad_host!' is not a hostname", await page.InnerTextAsync(".form-error"), StringComparison.Ordinal);
        await page.FillAsync("#privacy-hostnames", "site.example, *.site.example");
        await page.FillAsync("#privacy-retention", "400");
        await DoNotTrack(page).CheckAsync();
        await Button(page, "Save privacy settings").ClickAsync();
        await page.WaitForSelectorAsync("text=Collect follows the new settings");
        await page.ReloadAsync();
        await InteractiveAsync(page);
        Assert.Equal("site.example, *.site.example", await page.InputValueAsync("#privacy-hostnames"));
        Assert.Equal("400", await page.InputValueAsync("#privacy-retention"));
        Assert.True(await DoNotTrack(page).IsCheckedAsync());

        // Shields: a bad pattern is refused, naming the field; the owner keeps their own visits out with one click, and
        // the installation check says so and counts what is dropped, with the rule (never the visitor's address).
        await page.FillAsync("#shields-pages", "admin/**");
        await Button(page, "Save shields").ClickAsync();
        Assert.Contains("Excluded pages: 'admin/**' is not a page pattern", await page.InnerTextAsync("[data-section=shields] .form-error"), StringComparison.Ordinal);
        await page.FillAsync("#shields-pages", "/admin/**");
        await page.ClickAsync("[data-add-mine]");
        await page.WaitForFunctionAsync("() => document.querySelector('#shields-ips').value === '127.0.0.1'");
        await Button(page, "Save shields").ClickAsync();
        await page.WaitForSelectorAsync("text=Collect follows the new shields");
        Assert.Contains("Your own address is excluded by 127.0.0.1", await page.InnerTextAsync("[data-install-mine]"), StringComparison.Ordinal);
        Assert.Contains("1 address or range, 1 page pattern and 0 countries", await page.InnerTextAsync("[data-install-shields]"), StringComparison.Ordinal);
        for (var tries = 0; await page.Locator("[data-drop=excluded-ip]").CountAsync() == 0; tries++)
        {
            Assert.True(tries < 40, "no visit was counted as excluded"); // collect follows a change within 5 s
            await site.GotoAsync("http://site.example/pricing");
            await page.ClickAsync("[data-check]");
            await Task.Delay(500);
        }

        Assert.Contains("From an address your shields exclude (last rule matched: 127.0.0.1)", await page.InnerTextAsync("[data-drop=excluded-ip]"), StringComparison.Ordinal);

        // The same from the command line: a bad range changes nothing, "" removes the addresses and leaves the pages.
        var id = (await AnalyticsProcess.RunAsync(server.Data, "properties", "list")).Stdout.Split('\t')[0];
        var refusedRange = await AnalyticsProcess.RunAsync(server.Data, "properties", "update", id, "--exclude-ips", "10.0.0.0/8,10.0.0.0/40");
        Assert.Equal(2, refusedRange.Exit);
        Assert.Contains("excluded_ips: '10.0.0.0/40' is not an IP address or CIDR range", refusedRange.Stderr, StringComparison.Ordinal);
        var cleared = await AnalyticsProcess.RunAsync(server.Data, "properties", "update", id, "--exclude-ips", "", "--exclude-countries", "de");
        Assert.Equal(0, cleared.Exit);
        Assert.Contains("excluded addresses: none; pages: /admin/**; countries: DE.", cleared.Stderr + cleared.Stdout, StringComparison.Ordinal);
        await page.ReloadAsync();
        await InteractiveAsync(page);
        Assert.Equal(("", "/admin/**", "DE"), (await page.InputValueAsync("#shields-ips"), await page.InputValueAsync("#shields-pages"), await page.InputValueAsync("#shields-countries")));
        Assert.Equal(0, await page.Locator("[data-install-mine]").CountAsync());

        // All of the data, as the owner downloads it from the settings: the rows `analytics import` reads back.
        var events = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync(".export-links a:text-is('JSON lines')"));
        Assert.Equal("site.example-events.jsonl", events.SuggestedFilename);
        var rows = (await File.ReadAllLinesAsync((await events.PathAsync())!)).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Contains(rows, e => e.GetProperty("name").GetString() == "pageview" && e.GetProperty("pathname").GetString() == "/hello");
        Assert.Contains(rows, e => e.GetProperty("name").GetString() == "Signup" && e.GetProperty("props").GetProperty("plan").GetString() == "pro");
        var table = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync(".export-links a:text-is('CSV')"));
        var lines = await File.ReadAllLinesAsync((await table.PathAsync())!);
        Assert.StartsWith("\"timestamp\",\"name\",", lines[0], StringComparison.Ordinal);
        Assert.Equal(rows.Count + 1, lines.Length);
        var wrongFormat = await page.APIRequest.GetAsync(origin + "/properties/site.example/events.xlsx");
        Assert.Equal(400, wrongFormat.Status);
        Assert.Contains("format: 'xlsx' is not one of jsonl, csv, parquet", await wrongFormat.TextAsync(), StringComparison.Ordinal);
        Assert.Equal(404, (await other.APIRequest.GetAsync(origin + "/properties/site.example/events.jsonl")).Status);

        await page.FillAsync("#delete-confirm", "other.example");
        await Button(page, "Delete property and data").ClickAsync();
        Assert.Contains("Confirm: type the domain (site.example)", await page.InnerTextAsync(".card.danger .form-error"), StringComparison.Ordinal);
        await page.FillAsync("#delete-confirm", "site.example");
        await Button(page, "Delete property and data").ClickAsync();
        await page.WaitForSelectorAsync("text=No property yet");
        Assert.Equal(404, (await page.GotoAsync(origin + "/properties/site.example"))!.Status);

        // Only this server was asked for anything; the only answers of 400 and above are the ones provoked above.
        Assert.Equal(["400 /properties/site.example", "404 /properties/site.example"], problems.Select(p => p.Split('?')[0]).ToList());
        Assert.Equal(["404 /properties/site.example", "404 /properties/site.example/settings"], otherProblems);
    }

    [Fact]
    public async Task Accounts_ThrottledAlikeForAnyone_ResetLinkFromTheCommandLine_ChangingThePasswordEndsOtherSessions_FormsNeedTheirToken()
    {
        await using var ada = await SignedUpAsync();
        var (server, browser, page, origin) = (ada.Server, ada.Browser, ada.Page, ada.Origin);
        await page.ClickAsync("button:text-is('Log out')");
        Assert.EndsWith("/login", page.Url, StringComparison.Ordinal);
        await page.GotoAsync(origin + "/account");
        Assert.Contains("/login?ReturnUrl=%2Faccount", page.Url, StringComparison.Ordinal);

        // Five wrong passwords are checked; the sixth attempt is refused even with the right one. An account that does
        // not exist answers exactly the same, so the answers do not tell who has an account.
        foreach (var email in new[] { "ada@example.com", "nobody@example.com" })
        {
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(400, await LogInAsync(page, origin, email, "wrong password " + i));
                Assert.Equal("Email or password: no account matches them.", await page.InnerTextAsync(".form-error"));
            }

            Assert.Equal(429, await LogInAsync(page, origin, email, Password));
            Assert.StartsWith("Password: too many attempts; try again in 15 minutes.", await page.InnerTextAsync(".form-error"), StringComparison.Ordinal);
        }

        // Without SMTP the form's answer is the same and no link reaches the log; the operator makes one on the command line.
        await page.GotoAsync(origin + "/forgot-password");
        await page.FillAsync("input[name='Input.Email']", "ada@example.com");
        Assert.Equal(302, await SubmitAsync(page)); // post, redirect, get: reloading the answer sends nothing again
        Assert.EndsWith("/forgot-password?sent=true", page.Url, StringComparison.Ordinal);
        Assert.Contains("If an account with that email exists", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.DoesNotContain("reset-password?token=", server.Output.ToString(), StringComparison.Ordinal);
        var made = await AnalyticsProcess.RunAsync(server.Data, "users", "reset-link", "ada@example.com");
        Assert.True(made.Exit == 0, made.Stderr);
        var link = made.Stdout.Trim();
        Assert.StartsWith(origin + "/reset-password?token=", link, StringComparison.Ordinal);
        await page.GotoAsync(link);
        await page.FillAsync("input[name='Input.Password']", "1234567890");
        Assert.Equal(400, await SubmitAsync(page));
        Assert.Contains("New password: This password is one of the most common", await page.InnerTextAsync(".form-error"), StringComparison.Ordinal);
        await page.FillAsync("input[name='Input.Password']", "a new long password");
        Assert.Equal(302, await SubmitAsync(page));
        await page.WaitForSelectorAsync("h1:text-is('Properties')");
        await page.GotoAsync(link);
        await page.FillAsync("input[name='Input.Password']", "yet another password");
        Assert.Equal(400, await SubmitAsync(page));
        Assert.Contains("Token: This reset link is not valid", await page.InnerTextAsync(".form-error"), StringComparison.Ordinal);

        // Changing the password (with the right current one) ends every other session; the account page lists them.
        var (_, second, _) = await browser.NewPageAsync(origin, 1280, 900);
        Assert.Equal(302, await LogInAsync(second, origin, "ada@example.com", "a new long password"));
        await page.GotoAsync(origin + "/account");
        Assert.Equal(2, await page.Locator("tr[data-session]").CountAsync());
        await page.FillAsync("input[name='Input.Current']", "not it at all");
        await page.FillAsync("input[name='Input.New']", "the third password");
        Assert.Equal(400, await SubmitAsync(page, "Change password"));
        Assert.Contains("Current password: The current password is not right.", await page.InnerTextAsync(".form-error"), StringComparison.Ordinal);
        await page.FillAsync("input[name='Input.Current']", "a new long password");
        await page.FillAsync("input[name='Input.New']", "the third password");
        Assert.Equal(302, await SubmitAsync(page, "Change password"));
        Assert.Contains("Password changed", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.EndsWith("/account?done=password", page.Url, StringComparison.Ordinal);
        await page.ReloadAsync(); // a GET: no form is posted again
        Assert.Contains("Password changed", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await page.GotoAsync(origin + "/api-keys");
        Assert.EndsWith("/api-keys", page.Url, StringComparison.Ordinal);
        await second.GotoAsync(origin + "/api-keys");
        Assert.Contains("/login", second.Url, StringComparison.Ordinal);

        // Another browser's session can be ended from the account page, and it is signed out at once.
        Assert.Equal(302, await LogInAsync(second, origin, "ada@example.com", "the third password"));
        await page.GotoAsync(origin + "/account");
        Assert.Equal("this browser", await page.InnerTextAsync("tr[data-session]:has(span.muted) span.muted"));
        await page.ClickAsync("tr[data-session] button:text-is('End')");
        await page.WaitForURLAsync("**/account?done=session");
        Assert.Equal("That browser is signed out.", await page.InnerTextAsync(".form-ok"));
        Assert.Equal(1, await page.Locator("tr[data-session]").CountAsync());
        await second.GotoAsync(origin + "/api-keys");
        Assert.Contains("/login", second.Url, StringComparison.Ordinal);

        // The session cookie is HttpOnly and SameSite; a form posted without its antiforgery token is refused.
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "analytics_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, cookie.SameSite);
        using var forged = await server.Http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["_handler"] = "login", ["Input.Email"] = "ada@example.com", ["Input.Password"] = "the third password" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    /// <summary>
    /// What a newcomer sees after the quick start: the first account sees the demo property, with data in every panel,
    /// at desktop and phone widths, in light and dark, with no serious or critical accessibility violation (axe-core);
    /// a server restart under an open view brings the same view back. With ANALYTICS_SCREENSHOTS set to a directory,
    /// the views are saved there (docs/images holds the README's).
    /// </summary>
    [Fact]
    public async Task DemoDashboard_ShowsDataInEveryPanel_OnDesktopAndPhone_InLightAndDark_Accessibly_AndSurvivesARestart()
    {
        var server = await ServerProcess.StartAsync(engines, null, null, "--demo");
        try
        {
            var origin = server.Http.BaseAddress!.ToString().TrimEnd('/');
            await using var browser = await Browser.LaunchAsync();
            var (context, page, problems) = await browser.NewPageAsync(origin, 1280, 900);
            await page.GotoAsync(origin + "/login");
            await AccessibleAsync(page, "log-in");
            await page.GotoAsync(origin + "/");
            await AccessibleAsync(page, "sign-up");
            await SignUpAsync(page, "ada@example.com");
            await InteractiveAsync(page); // the circuit renders the head again as it takes over; check after that
            await AccessibleAsync(page, "properties");
            await page.ClickAsync("a.property-link:has-text('Demo site')");
            await EventuallyAsync(page, "[data-metric=visitors] .stat-value", text => text != "0");
            await InteractiveAsync(page);

            var panels = await page.Locator("[data-panel]").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.panel)");
            Assert.Equal(["realtime", "sources", "pages", "locations", "devices", "content", "goals", "events", "funnel", "visits"], panels);
            foreach (var panel in panels.Where(p => p is not ("realtime" or "funnel")))
            {
                Assert.True(await page.Locator($"[data-panel={panel}] tbody a").CountAsync() > 0, $"The {panel} panel is empty.");
            }

            // The demo's goals convert, and its funnel narrows step by step (counted after the rest of the view).
            Assert.Contains("Visit /pricing", await page.InnerTextAsync("[data-panel=goals] tbody"), StringComparison.Ordinal);
            await page.WaitForSelectorAsync("[data-panel=funnel][aria-busy=false]");
            var steps = await page.Locator("[data-panel=funnel] [data-step-visitors]").AllInnerTextsAsync();
            Assert.Equal(3, steps.Count);
            var reached = steps.Select(t => double.Parse(t.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.True(reached[0] > reached[1] && reached[1] > reached[2] && reached[2] > 0, string.Join(", ", steps));

            // Countries by name and flag, and on the map.
            Assert.Matches(@"^\uD83C[\uDDE6-\uDDFF]\uD83C[\uDDE6-\uDDFF] [A-Z][a-z]", await page.InnerTextAsync("[data-panel=locations] tbody tr:first-child a"));
            Assert.True(await page.Locator(".graph-hover .bucket").CountAsync() >= 28);
            await AccessibleAsync(page, "dashboard");
            foreach (var tab in new[] { "?sources=utm_campaign", "?pages=exit", "?locations=city", "?devices=locale", "?content=tag" })
            {
                await page.GotoAsync(origin + "/properties/demo.example.com" + tab);
                var panel = tab[1..tab.IndexOf('=')];
                await EventuallyAsync(page, $"[data-panel={panel}] tbody", text => !text.Contains("No data in this range", StringComparison.Ordinal)); // visits end (exit pages) a moment after the demo's events
            }

            // Channels: a click filters the view to one, named in the filter bar.
            await page.GotoAsync(origin + "/properties/demo.example.com?sources=channel");
            await LoadedAsync(page);
            Assert.Contains("Organic Search", await page.InnerTextAsync("[data-panel=sources] tbody"), StringComparison.Ordinal);
            await page.ClickAsync("[data-panel=sources] tbody a:text-is('Organic Search')");
            await EventuallyAsync(page, ".chip", text => text.Contains("Organic Search", StringComparison.Ordinal));

            await page.GotoAsync(origin + "/properties/demo.example.com?locations=map");
            await LoadedAsync(page);
            Assert.True(await page.Locator(".world-map a path.visited").CountAsync() >= 5);

            // Today: the hours still to come are not drawn as zero.
            await page.GotoAsync(origin + "/properties/demo.example.com?period=today");
            await LoadedAsync(page);
            var hours = await page.Locator(".graph-hover .bucket").CountAsync();
            var drawn = await page.EvalOnSelectorAsync<int>(".graph polyline.current", "e => e.points.numberOfItems");
            Assert.InRange(hours, 23, 25);
            var lastHourBegun = NodaTime.SystemClock.Instance.GetCurrentInstant().InZone(NodaTime.DateTimeZoneProviders.Tzdb[Analytics.Ingest.Demo.DemoTrafficService.Timezone]).Hour == 23; // the demo's own clock, not UTC's
            Assert.True(drawn < hours || lastHourBegun, $"{drawn} of {hours} hours drawn");

            // Compared and filtered, the view keeps its numbers accessible too.
            await page.GotoAsync(origin + "/properties/demo.example.com?compare=previous_period&filters=%5B%5B%22is_not%22%2C%22visit%3Adevice%22%2C%5B%22Tablet%22%5D%5D%5D");
            await LoadedAsync(page);
            Assert.True(await page.GetAttributeAsync("[data-view]", "data-loads") == "0", "The circuit asked for the prerendered view again: its numbers were not handed over.");
            Assert.Equal(1, await page.Locator(".graph polyline.comparison").CountAsync());
            Assert.True(await page.Locator(".stat-change").CountAsync() >= 5);
            Assert.Contains("is not", await page.InnerTextAsync(".chip"), StringComparison.Ordinal);
            await AccessibleAsync(page, "dashboard, compared and filtered");
            var directory = Environment.GetEnvironmentVariable("ANALYTICS_SCREENSHOTS");
            if (!string.IsNullOrEmpty(directory))
            {
                await page.GotoAsync(origin + "/properties/demo.example.com?compare=previous_period");
                await LoadedAsync(page);
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, "dashboard-desktop.png"), FullPage = true });
            }

            // Dark: the same pages pass the same checks.
            await page.ClickAsync("[data-theme-toggle]");
            await page.WaitForFunctionAsync("() => document.documentElement.dataset.theme === 'dark'");
            await LoadedAsync(page);
            await AccessibleAsync(page, "dashboard, dark");
            foreach (var path in new[] { "/", "/properties/demo.example.com/settings", "/api-keys", "/properties/demo.example.com?details=pages" })
            {
                await page.GotoAsync(origin + path);
                await InteractiveAsync(page);
                await AccessibleAsync(page, path + ", dark");
            }

            await page.GotoAsync(origin + "/account");
            await AccessibleAsync(page, "account, dark");
            if (!string.IsNullOrEmpty(directory))
            {
                await page.GotoAsync(origin + "/properties/demo.example.com");
                await LoadedAsync(page);
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, "dashboard-dark.png"), FullPage = true });
            }

            await page.GotoAsync(origin + "/");
            await InteractiveAsync(page); // the circuit re-renders the page once it takes over; click after that
            await page.ClickAsync("[data-theme-toggle]");
            await page.WaitForFunctionAsync("() => document.documentElement.dataset.theme === 'light'");
            foreach (var path in new[] { "/properties/demo.example.com/settings", "/api-keys", "/properties/demo.example.com?details=sources" })
            {
                await page.GotoAsync(origin + path);
                await InteractiveAsync(page);
                await AccessibleAsync(page, path);
            }

            // A phone: one column, nothing wider than the screen.
            await page.GotoAsync(origin + "/properties/demo.example.com");
            await page.SetViewportSizeAsync(390, 844);
            await page.ReloadAsync();
            await LoadedAsync(page);
            var wide = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + '.' + e.className)");
            Assert.True(wide.Length == 0, "Wider than a phone's screen: " + string.Join(", ", wide.Take(10)));
            Assert.Equal(1, await page.EvaluateAsync<int>("() => new Set([...document.querySelectorAll('.grid > .card')].map(e => Math.round(e.getBoundingClientRect().left))).size"));
            if (!string.IsNullOrEmpty(directory))
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, "dashboard-phone.png"), FullPage = true });
            }

            // The server restarts under an open, filtered view: the page comes back by itself with the same view. The
            // view's days are over in every zone (the demo keeps sending live traffic, which would move today's numbers).
            await page.SetViewportSizeAsync(1280, 900);
            var lastDay = DateTime.UtcNow.Date.AddDays(-2);
            await page.GotoAsync(origin + $"/properties/demo.example.com?period=custom&from={lastDay.AddDays(-6):yyyy-MM-dd}&to={lastDay:yyyy-MM-dd}&filters=%5B%5B%22is_not%22%2C%22visit%3Adevice%22%2C%5B%22Tablet%22%5D%5D%5D");
            await InteractiveAsync(page);
            var url = page.Url;
            var visitors = await page.InnerTextAsync("[data-metric=visitors] .stat-value");
            Assert.NotEqual("0", visitors);
            await page.EvaluateAsync("() => { window.beforeRestart = true; }");
            await server.KillAsync();
            await server.DisposeAsync();
            server = await ServerProcess.StartAsync(engines, server.Data, server.Port);

            await page.WaitForFunctionAsync("() => window.beforeRestart === undefined && document.querySelector('main[data-interactive=true]') !== null", null, new() { Timeout = 120_000 });
            Assert.Equal(url, page.Url);
            Assert.Contains("Tablet", await page.InnerTextAsync(".chip"), StringComparison.Ordinal);
            Assert.Equal(visitors, await page.InnerTextAsync("[data-metric=visitors] .stat-value"));

            // Sampling set by its environment variable: a filtered view over a range with more events reads a sample and
            // says so; what the rollups answer alone (no filter) does not.
            await server.KillAsync();
            await server.DisposeAsync();
            server = await ServerProcess.StartAsync(engines, server.Data, server.Port, [], ("ANALYTICS_SAMPLE_ABOVE", "1000"));
            await page.GotoAsync(origin + "/properties/demo.example.com?period=30d&filters=%5B%5B%22contains%22%2C%22event%3Apage%22%2C%5B%22%2Fblog%22%5D%5D%5D");
            await LoadedAsync(page);
            Assert.Contains("Estimated from a sample of 1 visitor in", await page.InnerTextAsync("[data-sampled]"), StringComparison.Ordinal);
            Assert.True(int.Parse(await page.GetAttributeAsync("[data-sampled]", "data-sampled") ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= 2);
            await page.GotoAsync(origin + "/properties/demo.example.com?period=30d");
            await LoadedAsync(page);
            Assert.Equal(0, await page.Locator("[data-sampled]").CountAsync());

            Assert.Empty(problems);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>
    /// Sharing: a shared link opens the dashboard read-only to an anonymous visitor, filters and exports included and
    /// settings not; a password link asks once; only an embeddable link may be framed by another site's page (in its
    /// theme, without the header); revoking closes a link; a public property opens without one; and Plausible's Sites
    /// API finds or creates links by name.
    /// </summary>
    [Fact]
    public async Task SharedLinks_OpenReadOnly_BehindAPassword_EmbedOnlyWhenAllowed_Revoke_PublicDashboards_AndTheSitesApi()
    {
        await using var ada = await SignedUpAsync();
        var (server, browser, page, problems, origin) = (ada.Server, ada.Browser, ada.Page, ada.Problems, ada.Origin);
        Assert.Equal(0, (await AnalyticsProcess.RunAsync(server.Data, "properties", "add", "site.example", "--timezone", "UTC", "--owner", "ada@example.com")).Exit);
        foreach (var (path, address) in new[] { ("/a", "2.125.160.216"), ("/a", "89.160.20.112"), ("/b", "216.160.83.56") })
        {
            using var sent = new HttpRequestMessage(HttpMethod.Post, "/api/event") { Content = new StringContent($$"""{"n":"pageview","u":"https://site.example{{path}}","d":"site.example"}""") };
            sent.Headers.TryAddWithoutValidation("User-Agent", Browser.ChromeAgent);
            sent.Headers.Add("X-Forwarded-For", address);
            Assert.Equal(HttpStatusCode.Accepted, (await server.Http.SendAsync(sent)).StatusCode);
        }

        // The owner makes three links; a password and embedding together are refused, naming the field.
        await page.GotoAsync(origin + "/properties/site.example/settings");
        await InteractiveAsync(page);
        ILocator Embeddable() => page.GetByRole(AriaRole.Checkbox, new() { Name = "Embeddable in other sites' pages (no password then)" });
        async Task<string> AddLinkAsync(string name, string? password = null, bool embeddable = false)
        {
            await page.FillAsync("#link-name", name);
            await page.FillAsync("#link-password", password ?? string.Empty);
            await Embeddable().SetCheckedAsync(embeddable);

            await Button(page, "Add shared link").ClickAsync();
            await page.WaitForSelectorAsync($"[data-link='{name}']");
            return await page.InnerTextAsync($"[data-link='{name}'] pre");
        }

        await page.FillAsync("#link-name", "Both");
        await page.FillAsync("#link-password", "a long password");
        await Embeddable().CheckAsync();
        await Button(page, "Add shared link").ClickAsync();
        Assert.Contains("Embeddable: an embedded dashboard cannot ask for a password", await page.InnerTextAsync("[data-section=sharing] .form-error"), StringComparison.Ordinal);
        var team = await AddLinkAsync("Team");
        var secret = await AddLinkAsync("Secret", "a long password");
        var embed = await AddLinkAsync("Embed", embeddable: true);
        Assert.StartsWith(origin + "/share/site.example?auth=", team, StringComparison.Ordinal);
        Assert.Contains(embed + "&amp;embed=true", await page.InnerHTMLAsync("[data-embed='Embed'] pre"), StringComparison.Ordinal);

        // Anyone with the link: the numbers, in-place filters that keep the link, a CSV export, and no settings.
        var (_, visitor, visitorProblems) = await browser.NewPageAsync(origin, 1280, 900, "http://embedder.example/");
        await visitor.GotoAsync(team);
        await LoadedAsync(visitor);
        await EventuallyAsync(visitor, "[data-metric=visitors] .stat-value", text => text == "3");
        Assert.Equal(0, await visitor.Locator("a:text-is('Settings')").CountAsync());
        Assert.Contains("Log in", await visitor.InnerTextAsync("header"), StringComparison.Ordinal);
        await AccessibleAsync(visitor, "shared dashboard");
        await visitor.ClickAsync("[data-panel=pages] a:text-is('/a')");
        await visitor.WaitForSelectorAsync(".chip[data-filter='event:page']");
        await ViewShownAsync(visitor);
        Assert.StartsWith(origin + "/share/site.example?", visitor.Url, StringComparison.Ordinal);
        Assert.Contains("auth=", visitor.Url, StringComparison.Ordinal);
        Assert.Equal("2", await visitor.InnerTextAsync("[data-metric=visitors] .stat-value"));
        var csv = await visitor.APIRequest.GetAsync(origin + await visitor.GetAttributeAsync("[data-panel=sources] a[data-export]", "href"));
        Assert.Equal(200, csv.Status);
        Assert.StartsWith("visit:source,visitors", await csv.TextAsync(), StringComparison.Ordinal);
        Assert.Equal(404, (await visitor.GotoAsync(team.Replace("auth=", "auth=x", StringComparison.Ordinal)))!.Status);
        Assert.Equal(404, (await visitor.GotoAsync(origin + "/share/site.example"))!.Status); // not public

        // A password link asks once (401 until then); a wrong password says so.
        Assert.Equal(401, (await visitor.GotoAsync(secret))!.Status);
        await AccessibleAsync(visitor, "shared link's password");
        await visitor.FillAsync("#share-password", "wrong password");
        Assert.Equal(400, await SubmitAsync(visitor));
        Assert.Contains("Password: that is not the password of this link", await visitor.InnerTextAsync(".form-error"), StringComparison.Ordinal);
        await visitor.FillAsync("#share-password", "a long password");
        Assert.Equal(302, await SubmitAsync(visitor));
        await LoadedAsync(visitor);
        Assert.Equal("3", await visitor.InnerTextAsync("[data-metric=visitors] .stat-value"));
        Assert.Equal(200, (await visitor.GotoAsync(secret))!.Status); // remembered

        // Another site's page frames the embeddable link (dark, no header); the others refuse to be framed.
        var framed = await visitor.APIRequest.GetAsync(embed + "&embed=true");
        Assert.Contains("frame-ancestors *", framed.Headers["content-security-policy"], StringComparison.Ordinal);
        Assert.False(framed.Headers.ContainsKey("x-frame-options"));
        var notFramed = await visitor.APIRequest.GetAsync(team + "&embed=true");
        Assert.Contains("frame-ancestors 'none'", notFramed.Headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Equal("DENY", notFramed.Headers["x-frame-options"]);
        await visitor.RouteAsync("http://embedder.example/**", route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/html",
            Body = $"<!doctype html><title>Embedder</title><h1>Our stats</h1><iframe id=\"stats\" src=\"{embed}&embed=true&theme=dark&background=transparent\" style=\"width:100%;height:1200px\"></iframe>",
        }));
        await visitor.GotoAsync("http://embedder.example/");
        var frame = visitor.FrameLocator("#stats");
        await frame.Locator("main[data-interactive=true] [data-metric=visitors] .stat-value:text-is('3')").WaitForAsync();
        Assert.Equal(0, await frame.Locator("header.topbar").CountAsync());
        Assert.Equal("dark", await frame.Locator("html").GetAttributeAsync("data-theme"));

        // Revoked, a link opens nothing; a public property opens without one.
        await page.ClickAsync("[data-link='Team'] button:has-text('Revoke')");
        await page.WaitForSelectorAsync("[data-link='Team']", new() { State = WaitForSelectorState.Detached });
        Assert.Equal(404, (await visitor.GotoAsync(team))!.Status);
        var isPublic = page.GetByRole(AriaRole.Checkbox, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Public dashboard") });
        await isPublic.CheckAsync();
        await page.WaitForSelectorAsync("[data-section=sharing][data-public-saved=true]"); // saved, not only ticked
        Assert.Equal(200, (await visitor.GotoAsync(origin + "/share/site.example"))!.Status);
        await LoadedAsync(visitor);

        // Plausible's Sites API: find or create a link by name; the address it gives opens the dashboard.
        var key = (await AnalyticsProcess.RunAsync(server.Data, "keys", "create", "--all", "--scope", "sites", "--user", "ada@example.com")).Stdout.Trim().Split('\n')[^1];
        using var api = new HttpClient { BaseAddress = server.Http.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var created = JsonDocument.Parse(await (await api.PutAsync("/api/v1/sites/shared-links", new StringContent("""{"site_id": "site.example", "name": "Wordpress"}""", System.Text.Encoding.UTF8, "application/json"))).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Wordpress", created.GetProperty("name").GetString());
        var again = JsonDocument.Parse(await (await api.PutAsync("/api/v1/sites/shared-links", new StringContent("""{"site_id": "site.example", "name": "Wordpress"}""", System.Text.Encoding.UTF8, "application/json"))).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(created.GetProperty("url").GetString(), again.GetProperty("url").GetString());
        Assert.Equal(200, (await visitor.GotoAsync(created.GetProperty("url").GetString()!))!.Status);

        Assert.Empty(problems);
        Assert.Equal(["400 /share/site.example/unlock", "401 /share/site.example/unlock", "404 /share/site.example", "404 /share/site.example", "404 /share/site.example"], visitorProblems.Select(p => p.Split('?')[0]).Order().ToList());
    }

    /// <summary>
    /// Two-factor sign-in: set up from the account page with a QR code and key that an RFC 6238 authenticator reads
    /// (the test computes the codes itself), confirmed by a code, with ten recovery codes shown once; then signing in
    /// takes the password and a code; a code is taken once, a recovery code once; and a code turns it off again.
    /// </summary>
    [Fact]
    public async Task TwoFactorSignIn_SetUpWithAnAuthenticatorCode_ThenAsked_CodesAndRecoveryCodesWorkOnce_AndItTurnsOff()
    {
        await using var ada = await SignedUpAsync();
        var (server, page, origin) = (ada.Server, ada.Page, ada.Origin);
        await page.GotoAsync(origin + "/account");
        await page.WaitForSelectorAsync("[data-two-factor=off]");
        Assert.Equal(200, await SubmitAsync(page, "Set up two-factor sign-in"));
        var secret = await page.InnerTextAsync("[data-totp-secret]");
        Assert.StartsWith("data:image/png;base64,", await page.GetAttributeAsync("img.qr", "src"), StringComparison.Ordinal);
        await AccessibleAsync(page, "two-factor set-up");
        await page.FillAsync("#confirm-code", Totp(secret, 30)); // 15 minutes ahead: no app shows it now
        Assert.Equal(400, await SubmitAsync(page, "Turn on two-factor sign-in"));
        Assert.Contains("Code: that is not the code the app shows now", await page.InnerTextAsync(".form-error"), StringComparison.Ordinal);
        Assert.Equal(secret, await page.InnerTextAsync("[data-totp-secret]")); // the same key, to try again
        await page.FillAsync("#confirm-code", Totp(secret, 0));
        await SubmitAsync(page, "Turn on two-factor sign-in");
        var recovery = await page.Locator("[data-recovery-codes] li").AllInnerTextsAsync();
        Assert.Equal(10, recovery.Count);
        Assert.All(recovery, code => Assert.Matches("^[a-z2-7]{5}-[a-z2-7]{5}$", code));
        await page.GotoAsync(origin + "/account");
        Assert.Contains("(10 recovery codes left)", await page.InnerTextAsync("[data-two-factor=on]"), StringComparison.Ordinal);

        // Signing in now takes a code after the password; until then nothing is signed in.
        async Task PasswordAsync()
        {
            await page.Context.ClearCookiesAsync();
            Assert.Equal(302, await LogInAsync(page, origin, "ada@example.com", Password));
            Assert.EndsWith("/login/code", page.Url, StringComparison.Ordinal);
        }

        async Task<int> CodeAsync(string code)
        {
            await page.FillAsync("#code", code);
            return await SubmitAsync(page);
        }

        await PasswordAsync();
        await page.GotoAsync(origin + "/account");
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
        await page.GotoAsync(origin + "/login/code");
        Assert.Equal(400, await CodeAsync("123456" == Totp(secret, 1) ? "654321" : "123456"));
        Assert.Contains("Code: that is not a current code of your app", await page.InnerTextAsync(".form-error"), StringComparison.Ordinal);
        var next = Totp(secret, 1); // the next step's code: the one of the step taken at set-up is used up
        Assert.Equal(302, await CodeAsync(next));
        await page.WaitForSelectorAsync("h1:text-is('Properties')");

        // A code is taken once; a recovery code too.
        await PasswordAsync();
        Assert.Equal(400, await CodeAsync(next));
        Assert.Equal(302, await CodeAsync(recovery[0].ToUpperInvariant()));
        await page.WaitForSelectorAsync("h1:text-is('Properties')");
        await PasswordAsync();
        Assert.Equal(400, await CodeAsync(recovery[0]));
        Assert.Equal(302, await CodeAsync(recovery[1].Replace("-", string.Empty, StringComparison.Ordinal)));

        // A password reset proves the email, not the second factor: it too ends at the code page.
        var reset = await AnalyticsProcess.RunAsync(server.Data, "users", "reset-link", "ada@example.com");
        await page.Context.ClearCookiesAsync();
        await page.GotoAsync(reset.Stdout.Trim());
        await page.FillAsync("input[name='Input.Password']", "a new long password");
        Assert.Equal(302, await SubmitAsync(page));
        Assert.EndsWith("/login/code", page.Url, StringComparison.Ordinal);
        Assert.Equal(302, await CodeAsync(recovery[3]));
        await page.WaitForSelectorAsync("h1:text-is('Properties')");

        // Turned off with a recovery code, a password alone signs in again.
        await page.GotoAsync(origin + "/account");
        Assert.Contains("(7 recovery codes left)", await page.InnerTextAsync("[data-two-factor=on]"), StringComparison.Ordinal);
        await page.FillAsync("#disable-code", recovery[2]);
        Assert.Equal(302, await SubmitAsync(page, "Turn off two-factor sign-in"));
        await page.WaitForSelectorAsync("[data-two-factor=off]");
        await page.Context.ClearCookiesAsync();
        Assert.Equal(302, await LogInAsync(page, origin, "ada@example.com", "a new long password"));
        await page.WaitForSelectorAsync("h1:text-is('Properties')");
    }

    /// <summary>
    /// RFC 6238's TOTP as an authenticator app computes it from a base32 key: HMAC-SHA1 of the 30-second step
    /// (<paramref name="stepsAhead"/> after the current one), dynamically truncated to 6 digits.
    /// </summary>
    private static string Totp(string base32, int stepsAhead)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = string.Concat(base32.TrimEnd('=').Select(c => Convert.ToString(Alphabet.IndexOf(char.ToUpperInvariant(c), StringComparison.Ordinal), 2).PadLeft(5, '0')));
        var key = Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.Substring(i * 8, 8), 2)).ToArray();
        var counter = BitConverter.GetBytes(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30 + stepsAhead);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(counter);
        }

#pragma warning disable CA5350 // HMAC-SHA1 is RFC 6238's default, what authenticator apps compute (HMAC keeps SHA-1's collisions out of it)
        var hash = System.Security.Cryptography.HMACSHA1.HashData(key, counter);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var value = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (value % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Members_InvitedByMail_ConfirmTheirAddress_ThenAccept_AViewerCannotEdit_RolesChangeAndEnd()
    {
        await using var mail = await MailSink.StartAsync();
        await using var ada = await SignedUpAsync(mail.Environment);
        var (server, browser, page, origin) = (ada.Server, ada.Browser, ada.Page, ada.Origin);
        Assert.Equal(0, (await AnalyticsProcess.RunAsync(server.Data, "properties", "add", "team.example", "--timezone", "UTC", "--owner", "ada@example.com")).Exit);

        // The owner invites Vic as a viewer; the invitation goes through the SMTP server.
        await page.GotoAsync(origin + "/properties/team.example/settings");
        await InteractiveAsync(page);
        await AccessibleAsync(page, "settings with people");
        await page.FillAsync("#invite-email", "ADA@example.com");
        await Button(page, "Send invitation").ClickAsync();
        Assert.Contains("Email: ADA@example.com is a member already (as owner)", await page.InnerTextAsync("[data-section=people] .form-error"), StringComparison.Ordinal);
        await page.FillAsync("#invite-email", "vic@example.com");
        await Button(page, "Send invitation").ClickAsync();
        Assert.Contains("Invitation mailed to vic@example.com", await page.InnerTextAsync("[data-invited]"), StringComparison.Ordinal);
        Assert.Contains("viewer", await page.InnerTextAsync("[data-invitation='vic@example.com']"), StringComparison.Ordinal);
        var invitation = MailSink.Link(await mail.WaitForAsync("vic@example.com", "You've been invited to team.example"), "/invitation?token=");
        Assert.StartsWith(origin + "/invitation?token=", invitation, StringComparison.Ordinal);

        // The owner sets a weekly report and sends it now: it arrives, and the delivery log says so.
        await page.FillAsync("#report-email", "ada@example.com");
        await Button(page, "Add report").ClickAsync();
        await page.WaitForSelectorAsync("[data-report='ada@example.com']");
        await page.Locator("[data-report='ada@example.com']").GetByRole(AriaRole.Button, new() { Name = "Send the weekly report to ada@example.com now" }).ClickAsync();
        await page.WaitForSelectorAsync("[data-notification-status]:has-text(\"Sent the last week's report to ada@example.com\")");
        Assert.Contains("team.example: weekly report", (await mail.WaitForAsync("ada@example.com", "weekly report")).Subject, StringComparison.Ordinal);
        Assert.StartsWith("sent", await page.InnerTextAsync("[data-deliveries] tr[data-state=sent] td:last-child"), StringComparison.Ordinal);
        await page.FillAsync("#alert-target", "ftp://hooks.example/alerts");
        await Button(page, "Add alert").ClickAsync();
        await page.WaitForSelectorAsync("[data-section=notifications] .form-error:has-text(\"Email: 'ftp://hooks.example/alerts' is not an email address\")");
        await page.FillAsync("#alert-target", "https://hooks.example/alerts");
        await Button(page, "Add alert").ClickAsync();
        await page.WaitForSelectorAsync("[data-alerts] td:has-text('Spike: more than 100 current visitors')");

        // The owner uploads Plausible's export; the dashboard adds its days when asked to, and says so.
        var zip = Path.Combine(server.Data, "plausible-export.zip");
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
        {
            await using (var writer = new StreamWriter(archive.CreateEntry("imported_visitors_20250101_20250103.csv").Open()))
            {
                await writer.WriteAsync("date,visitors,pageviews,bounces,visits,visit_duration\n2025-01-01,4,9,2,5,300\n2025-01-02,6,12,3,7,420\n2025-01-03,5,10,1,5,250\n");
            }

            await using (var writer = new StreamWriter(archive.CreateEntry("imported_sources_20250101_20250103.csv").Open()))
            {
                await writer.WriteAsync("date,source,referrer,utm_source,utm_medium,utm_campaign,utm_content,utm_term,pageviews,visitors,visits,visit_duration,bounces\n2025-01-01,Mastodon,,,,,,,9,4,5,300,2\n2025-01-02,Mastodon,,,,,,,12,6,7,420,3\n");
            }
        }

        await page.SetInputFilesAsync("[data-import-upload=plausible] input[type=file]", zip);
        await page.WaitForSelectorAsync("[data-section=imports] [data-import-said]:has-text(\"Imported 3 days of team.example's history from Plausible\")");
        Assert.Contains("2025-01-01 to 2025-01-03 (3 days)", await page.InnerTextAsync("[data-imports-list]"), StringComparison.Ordinal);
        await page.GotoAsync(origin + "/properties/team.example?period=custom&from=2025-01-01&to=2025-01-03");
        await LoadedAsync(page);
        Assert.Equal("0", await page.InnerTextAsync("[data-metric=visitors] .stat-value"));
        Assert.Contains("imported history, not in the line", await page.InnerTextAsync("[data-imported-legend]"), StringComparison.Ordinal);
        await page.ClickAsync("[data-include-imports]");
        await page.WaitForSelectorAsync("[data-imports=included]");
        await ViewShownAsync(page);
        Assert.Equal("15", await page.InnerTextAsync("[data-metric=visitors] .stat-value"));
        Assert.Contains("include imported data (Plausible, 1 Jan – 3 Jan 2025)", await page.InnerTextAsync("[data-imports]"), StringComparison.Ordinal);

        // The graph shades the imported days; the sources panel has the imported source; a panel imports cannot break down says so.
        Assert.Equal("0-2", await page.GetAttributeAsync("[data-imported-span]", "data-imported-span"));
        Assert.Contains("imported history, included in the line", await page.InnerTextAsync("[data-imported-legend]"), StringComparison.Ordinal);
        Assert.Equal("Mastodon\t10", (await page.InnerTextAsync("[data-panel=sources] tbody tr:first-child")).Trim()[..11]);
        Assert.Equal(1, await page.Locator("[data-panel=content] [data-imports-left-out]").CountAsync());
        Assert.Equal(0, await page.Locator("[data-panel=sources] [data-imports-left-out]").CountAsync());
        await page.GotoAsync(origin + "/properties/team.example/settings");
        await InteractiveAsync(page);

        // GA4's export uploaded there becomes the property's own events, and the owner is told they reach into the imported days.
        var ga4 = Path.Combine(server.Data, "events_20250102.json");
        await File.WriteAllTextAsync(ga4, """{"event_timestamp": "1735819200000000", "event_name": "page_view", "user_pseudo_id": "1.2", "event_params": [{"key": "page_location", "value": {"string_value": "https://team.example/"}}]}""" + "\n");
        await page.SetInputFilesAsync("[data-import-upload=ga4] input[type=file]", ga4);
        await page.WaitForSelectorAsync("[data-section=imports] [data-import-said]:has-text(\"Imported 1 events into team.example.\")");
        Assert.Contains("days of imported history now lie on or after this property's first own event", await page.InnerTextAsync("[data-import-said]"), StringComparison.Ordinal);

        // Vic, in a browser of his own, opens it, makes an account with the invited address, and is asked to confirm it first.
        var (_, vic, vicProblems) = await browser.NewPageAsync(origin, 1280, 900);
        await vic.GotoAsync(invitation);
        Assert.Contains("ada@example.com invited vic@example.com to team.example as a viewer", await vic.InnerTextAsync("[data-invitation-page]"), StringComparison.Ordinal);
        await AccessibleAsync(vic, "invitation");
        await vic.ClickAsync("a:text-is('Create an account')");
        Assert.Contains("create your account with the invited address, vic@example.com", await vic.InnerTextAsync("[data-invited-signup]"), StringComparison.Ordinal);
        Assert.Equal("vic@example.com", await vic.InputValueAsync("input[name='Input.Email']"));
        await vic.FillAsync("input[name='Input.Password']", Password);
        Assert.Equal(302, await SubmitAsync(vic));
        await vic.WaitForSelectorAsync("[data-unverified]");
        Assert.Equal(0, await vic.Locator("button:text-is('Accept')").CountAsync());

        // The confirmation link (mailed, for Vic's account only) brings him back to accept.
        var confirm = MailSink.Link(await mail.WaitForAsync("vic@example.com", "Confirm your email address"), "/verify-email?token=");
        await vic.GotoAsync(confirm);
        Assert.Equal(302, await SubmitAsync(vic));
        await vic.WaitForSelectorAsync("[data-verified]");
        await vic.ClickAsync("a:text-is('Continue')");
        await vic.WaitForSelectorAsync("button:text-is('Accept')");
        Assert.Equal(302, await SubmitAsync(vic, "Accept"));
        await LoadedAsync(vic);
        Assert.EndsWith("/properties/team.example", vic.Url, StringComparison.Ordinal);

        // A viewer reads, and keeps personal segments, but finds no settings, shares no segment and exports no raw events.
        Assert.Equal(0, await vic.Locator("a:text-is('Settings')").CountAsync());
        await vic.GotoAsync(origin + "/properties/team.example?period=7d&filters=" + Uri.EscapeDataString("""[["is","event:page",["/"]]]"""));
        await LoadedAsync(vic);
        await vic.ClickAsync("[data-save-segment]");
        Assert.Equal(0, await vic.Locator("#segment-shared").CountAsync());
        await vic.FillAsync("#segment-name", "Home page");
        await vic.ClickAsync("[data-segment-form] button[type=submit]");
        await vic.WaitForSelectorAsync(".chip[data-filter='segment']:has-text('Home page')");
        Assert.Equal(404, (await vic.GotoAsync(origin + "/properties/team.example/settings"))!.Status);
        Assert.Equal(200, (await vic.APIRequest.GetAsync(origin + "/properties/team.example/export.csv?dimension=event:page")).Status);
        var raw = await vic.APIRequest.GetAsync(origin + "/properties/team.example/events.csv");
        Assert.Equal(403, raw.Status);
        Assert.Contains("needs the admin role; yours is viewer", await raw.TextAsync(), StringComparison.Ordinal);

        // The owner makes Vic an editor: settings open with goals and sharing, without the admins' sections.
        await page.ReloadAsync();
        await InteractiveAsync(page);
        Assert.Contains("vic@example.com", await page.InnerTextAsync("[data-member='vic@example.com']"), StringComparison.Ordinal);
        await page.SelectOptionAsync("[data-member='vic@example.com'] select", "editor");
        Assert.Contains("vic@example.com is now an editor", await page.InnerTextAsync("[data-section=people] [data-changed]"), StringComparison.Ordinal);
        await vic.GotoAsync(origin + "/properties/team.example");
        await LoadedAsync(vic);
        await vic.ClickAsync("a:text-is('Settings')");
        await vic.WaitForSelectorAsync("[data-section=sharing]");
        await InteractiveAsync(vic);
        Assert.Equal(0, await vic.Locator("[data-form=general], [data-section=people], [data-section=shields], .card.danger").CountAsync());

        // Removed, Vic no longer finds the property.
        await page.Locator("[data-member='vic@example.com']").GetByRole(AriaRole.Button, new() { Name = "Remove vic@example.com" }).ClickAsync();
        await page.WaitForFunctionAsync("() => !document.querySelector(\"[data-member='vic@example.com']\")");
        Assert.Equal(404, (await vic.GotoAsync(origin + "/properties/team.example"))!.Status);

        // Invited again as a viewer, Vic sees his role on the home page (without settings) and leaves on his own.
        await page.FillAsync("#invite-email", "vic@example.com");
        await Button(page, "Send invitation").ClickAsync();
        await page.WaitForSelectorAsync("[data-invitation='vic@example.com']");
        await vic.GotoAsync(MailSink.Link(await mail.WaitForAsync("vic@example.com", "You've been invited to team.example", skip: 1), "/invitation?token="));
        Assert.Equal(302, await SubmitAsync(vic, "Accept"));
        await LoadedAsync(vic);
        await vic.GotoAsync(origin + "/");
        await InteractiveAsync(vic);
        Assert.Equal("viewer", await vic.InnerTextAsync("[data-property='team.example'] [data-role]"));
        Assert.Equal(0, await vic.Locator("[data-property='team.example'] a:text-is('Settings')").CountAsync());
        await vic.GetByRole(AriaRole.Button, new() { Name = "Leave team.example" }).ClickAsync();
        await Button(vic, "Yes, leave").ClickAsync();
        await vic.WaitForSelectorAsync("[data-left]:has-text('You left team.example.')");
        Assert.Equal(0, await vic.Locator("[data-property='team.example']").CountAsync());
        await page.ReloadAsync();
        await InteractiveAsync(page);
        Assert.Equal(0, await page.Locator("[data-member='vic@example.com']").CountAsync());
        Assert.Equal(["404 /properties/team.example/settings", "404 /properties/team.example"], vicProblems.Select(p => p.Split('?')[0]).ToList());
    }

    /// <summary>A server of its own, Chromium, and a page signed up as its first account (ada@example.com, the admin).</summary>
    private sealed record SignedUp(ServerProcess Server, Browser Browser, IPage Page, List<string> Problems, string Origin) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Browser.DisposeAsync();
            await Server.DisposeAsync();
        }
    }

    private async Task<SignedUp> SignedUpAsync(params (string Name, string Value)[] environment)
    {
        var server = await ServerProcess.StartAsync(engines, null, null, [], environment);
        Browser? browser = null;
        try
        {
            var origin = server.Http.BaseAddress!.ToString().TrimEnd('/');
            browser = await Browser.LaunchAsync();
            var (_, page, problems) = await browser.NewPageAsync(origin, 1280, 900);
            await page.GotoAsync(origin + "/signup");
            await SignUpAsync(page, "ada@example.com");
            return new SignedUp(server, browser, page, problems, origin);
        }
        catch
        {
            await (browser?.DisposeAsync() ?? ValueTask.CompletedTask);
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>axe-core's WCAG 2.1 A and AA rules on the page as it is: no serious or critical violation.</summary>
    private static async Task AccessibleAsync(IPage page, string what)
    {
        // The page settled: Blazor's head outlet sets the title just after the body it waited for (a full run once ran axe between the two).
        await page.WaitForFunctionAsync("() => document.title.length > 0");
        var results = await page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
        var bad = results.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join("; ", v.Nodes.Take(3).Select(n => n.Target?.ToString()))}").ToList();
        Assert.True(bad.Count == 0, $"{what}: " + string.Join("\n", bad));
    }

    private static async Task SignUpAsync(IPage page, string email)
    {
        await page.FillAsync("input[name='Input.Email']", email);
        await page.FillAsync("input[name='Input.Password']", Password);
        Assert.Equal(302, await SubmitAsync(page));
        await page.WaitForSelectorAsync("h1:text-is('Properties')");
    }

    /// <summary>Posts the log-in form and returns the status of the page it ends on.</summary>
    private static async Task<int> LogInAsync(IPage page, string origin, string email, string password)
    {
        await page.GotoAsync(origin + "/login");
        await page.FillAsync("input[name='Input.Email']", email);
        await page.FillAsync("input[name='Input.Password']", password);
        return await SubmitAsync(page);
    }

    /// <summary>Clicks the page's form's submit button (not the header's log-out) and returns the status of the post (302 when it went on to another page).</summary>
    private static async Task<int> SubmitAsync(IPage page, string? button = null)
    {
        var response = await page.RunAndWaitForResponseAsync(
            () => page.ClickAsync(button is null ? "main button[type=submit]" : $"main button:text-is('{button}')"),
            r => r.Request.Method == "POST" && r.Request.IsNavigationRequest);
        await page.WaitForLoadStateAsync(LoadState.Load);
        return response.Status;
    }

    /// <summary>The page's button with exactly this name (MudBlazor wraps a button's text in a span of its own).</summary>
    private static ILocator Button(IPage page, string name) => page.Locator("main").GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    private static ILocator DoNotTrack(IPage page) => page.GetByRole(AriaRole.Checkbox, new() { Name = "Drop events from browsers that send Do Not Track or Global Privacy Control" });

    /// <summary>
    /// Presses Escape until <paramref name="closed"/> holds: a dialog listens for the key only once its script has
    /// attached, a moment after it shows (a person presses again; the test does too, at most five times).
    /// </summary>
    private static async Task CloseByEscapeAsync(IPage page, string closed)
    {
        for (var attempt = 1; ; attempt++)
        {
            await page.Keyboard.PressAsync("Escape");
            try
            {
                await page.WaitForFunctionAsync(closed, null, new() { Timeout = attempt < 5 ? 3_000 : 30_000 });
                return;
            }
            catch (TimeoutException) when (attempt < 5)
            {
            }
        }
    }

    /// <summary>Waits until the page's circuit has taken over from the prerendered page (clicks then run on the server).</summary>
    private static async Task InteractiveAsync(IPage page) => await page.WaitForSelectorAsync("main[data-interactive=true]");

    /// <summary>Waits until a page loaded by address is interactive and shows its numbers.</summary>
    private static async Task LoadedAsync(IPage page)
    {
        await InteractiveAsync(page);
        await page.WaitForSelectorAsync("[data-view][aria-busy=false] .graph");
    }

    /// <summary>Waits until the panels show the view the URL names (a view is loaded in place after each change).</summary>
    private static async Task ViewShownAsync(IPage page)
        => await page.WaitForFunctionAsync("() => { const v = document.querySelector('[data-view]'); return v && v.getAttribute('aria-busy') === 'false' && location.pathname + location.search === v.dataset.view; }");

    private static async Task<HttpStatusCode> ApiStatusAsync(ServerProcess server, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/properties");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await server.Http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Reloads until the element's text passes (an event takes a moment from its 202 to the tables; a page still loading counts as not yet).</summary>
    private static async Task EventuallyAsync(IPage page, string selector, Func<string, bool> check)
    {
        var text = string.Empty;
        for (var attempt = 0; attempt < 60; attempt++)
        {
            try
            {
                text = (await page.InnerTextAsync(selector, new() { Timeout = 10_000 })).Trim();
                if (check(text))
                {
                    return;
                }
            }
            catch (TimeoutException)
            {
                text = "(not on the page)";
            }

            await Task.Delay(500);
            await page.ReloadAsync();
        }

        Assert.Fail($"'{selector}' still reads '{text}'.");
    }
}
