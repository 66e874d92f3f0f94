using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Analytics.Tests.Host;
using Analytics.Tests.Infrastructure;
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
    public async Task Owner_SignsUp_AddsAProperty_SeesItsVisit_Filters_ChangesRange_ExportsCsv_ManagesKeys_AndOthersGetNotFound()
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

        // Bad input is answered with the field's name, and nothing is added.
        await page.ClickAsync("text=Add a property");
        await page.FillAsync("input[name='Input.Domain']", "not a domain");
        Assert.Equal(400, await SubmitAsync(page));
        Assert.Contains("Domain: 'not a domain' is not a domain name", await page.InnerTextAsync(".form-error"), StringComparison.Ordinal);

        await page.FillAsync("input[name='Input.Domain']", "https://www.site.example/");
        await page.SelectOptionAsync("select[name='Input.Timezone']", "Asia/Kathmandu");
        Assert.Equal(302, await SubmitAsync(page));
        await page.WaitForURLAsync("**/properties/site.example/settings");
        Assert.Contains($"data-domain=\"site.example\" src=\"{origin}/js/script.js\"", await page.InnerTextAsync("#snippet"), StringComparison.Ordinal);
        Assert.StartsWith("No event has arrived yet", await page.InnerTextAsync("[data-install-status]"), StringComparison.Ordinal);

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

        await EventuallyAsync(page, "[data-install-status]", text => text.StartsWith("Working", StringComparison.Ordinal));
        await page.ClickAsync("text=Open dashboard");
        await EventuallyAsync(page, "[data-panel=events]", text => text.Contains("Signup", StringComparison.Ordinal));
        Assert.Equal("1", await page.InnerTextAsync("[data-metric=visitors] .stat-value"));
        Assert.Equal("1", await page.InnerTextAsync("[data-metric=pageviews] .stat-value"));
        Assert.Contains("/hello", await page.InnerTextAsync("[data-panel=pages]"), StringComparison.Ordinal);
        Assert.Contains("Direct / None", await page.InnerTextAsync("[data-panel=sources]"), StringComparison.Ordinal);

        // Click a row: the filter goes into the URL and shows as a chip; filters combine; removing a chip removes it.
        await page.ClickAsync("[data-panel=pages] a:text-is('/hello')");
        Assert.Contains("event:page", Uri.UnescapeDataString(page.Url), StringComparison.Ordinal);
        Assert.Contains("/hello", await page.InnerTextAsync(".chip[data-filter='event:page']"), StringComparison.Ordinal);
        Assert.Equal("1", await page.InnerTextAsync("[data-metric=visitors] .stat-value"));
        await page.ClickAsync("[data-panel=events] a:text-is('Signup')");
        Assert.Equal(2, await page.Locator(".chip").CountAsync());
        Assert.Contains("pro", await page.InnerTextAsync("[data-panel=props]"), StringComparison.Ordinal);
        await page.ClickAsync(".chip[data-filter='event:page'] a");
        Assert.Equal(1, await page.Locator(".chip").CountAsync());
        await page.ClickAsync(".chip a");
        Assert.Equal(0, await page.Locator(".chip").CountAsync());
        Assert.DoesNotContain("filters=", page.Url, StringComparison.Ordinal);

        // Another range, kept in the URL; a filter with a typo is refused by name, not crashed on.
        await page.ClickAsync(".ranges a:text-is('7 days')");
        Assert.Contains("period=7d", page.Url, StringComparison.Ordinal);
        Assert.Equal("7 days", await page.InnerTextAsync(".ranges a.active"));
        Assert.Equal("1", await page.InnerTextAsync("[data-metric=visitors] .stat-value"));
        var bad = await page.GotoAsync(page.Url + "&filters=%5B%5B%22is%22%2C%22visit%3Acountri%22%2C%5B%22DE%22%5D%5D%5D");
        Assert.Equal(400, bad!.Status);
        Assert.Contains("visit:countri", await page.InnerTextAsync(".form-error"), StringComparison.Ordinal);
        await page.GoBackAsync();

        // The CSV export of the pages panel holds the same numbers.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-export='event:page']"));
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.StartsWith("event:page,visitors,pageviews,time_on_page,scroll_depth\r\n/hello,1,1,", csv, StringComparison.Ordinal);

        // An API key: shown once, works, and stops working when revoked.
        await page.ClickAsync(".topbar a:text-is('API keys')");
        await page.FillAsync("input[name='Input.Name']", "ci");
        await page.ClickAsync("button:text-is('Create key')");
        var secret = (await page.InnerTextAsync("#new-key")).Trim();
        Assert.StartsWith("ak_", secret, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await ApiStatusAsync(server, secret));
        await page.GotoAsync(origin + "/api-keys");
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
        await page.ClickAsync("tr[data-key='ci'] button:text-is('Revoke')");
        Assert.Contains("revoked", await page.InnerTextAsync("tr[data-key='ci']"), StringComparison.Ordinal);
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
        await page.FillAsync("input[name='General.Name']", "My site");
        Assert.Equal(200, await SubmitAsync(page, "Save"));
        Assert.Equal("My site settings", await page.InnerTextAsync("h1"));

        // Privacy controls: a wrong hostname is refused, naming the field; what is saved shows again.
        await page.FillAsync("input[name='Privacy.Hostnames']", "site.example, bad_host!");
        Assert.Equal(400, await SubmitAsync(page, "Save privacy settings"));
        Assert.Contains("Allowed hostnames: 'bad_host!' is not a hostname", await page.InnerTextAsync(".form-error"), StringComparison.Ordinal);
        await page.FillAsync("input[name='Privacy.Hostnames']", "site.example, *.site.example");
        await page.FillAsync("input[name='Privacy.RetentionDays']", "400");
        await page.CheckAsync("input[name='Privacy.HonorDoNotTrack']");
        Assert.Equal(200, await SubmitAsync(page, "Save privacy settings"));
        await page.GotoAsync(origin + "/properties/site.example/settings");
        Assert.Equal("site.example, *.site.example", await page.InputValueAsync("input[name='Privacy.Hostnames']"));
        Assert.Equal("400", await page.InputValueAsync("input[name='Privacy.RetentionDays']"));
        Assert.True(await page.IsCheckedAsync("input[name='Privacy.HonorDoNotTrack']"));

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

        await page.FillAsync("input[name='Delete.Confirm']", "other.example");
        Assert.Equal(400, await SubmitAsync(page, "Delete property and data"));
        Assert.Contains("Confirm: type the domain (site.example)", await page.InnerTextAsync(".form-error"), StringComparison.Ordinal);
        await page.FillAsync("input[name='Delete.Confirm']", "site.example");
        Assert.Equal(302, await SubmitAsync(page, "Delete property and data"));
        Assert.Contains("No property yet", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.Equal(404, (await page.GotoAsync(origin + "/properties/site.example"))!.Status);

        // Only this server was asked for anything; the only answers of 400 and above are the ones provoked above.
        Assert.Equal(["400 /properties/new", "400 /properties/site.example", "400 /properties/site.example/settings", "400 /properties/site.example/settings", "404 /properties/site.example"],
            problems.Select(p => p.Split('?')[0]).ToList());
        Assert.Equal(["404 /properties/site.example", "404 /properties/site.example/settings"], otherProblems);
    }

    [Fact]
    public async Task Accounts_ThrottledAlikeForAnyone_ResetLinkFromTheCommandLine_ChangingThePasswordEndsOtherSessions_FormsNeedTheirToken()
    {
        await using var server = await ServerProcess.StartAsync(engines);
        var origin = server.Http.BaseAddress!.ToString().TrimEnd('/');
        await using var browser = await Browser.LaunchAsync();
        var (_, page, _) = await browser.NewPageAsync(origin, 1280, 900);
        await page.GotoAsync(origin + "/signup");
        await SignUpAsync(page, "ada@example.com");
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
        Assert.Equal(200, await SubmitAsync(page));
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
        Assert.Equal(200, await SubmitAsync(page, "Change password"));
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
    /// at desktop and phone widths. With ANALYTICS_SCREENSHOTS set to a directory, the views are saved there
    /// (docs/images holds the README's).
    /// </summary>
    [Fact]
    public async Task DemoDashboard_ShowsDataInEveryPanel_OnDesktopAndPhone()
    {
        await using var server = await ServerProcess.StartAsync(engines, null, null, "--demo");
        var origin = server.Http.BaseAddress!.ToString().TrimEnd('/');
        await using var browser = await Browser.LaunchAsync();
        var (_, page, problems) = await browser.NewPageAsync(origin, 1280, 900);
        await page.GotoAsync(origin + "/");
        await SignUpAsync(page, "ada@example.com");
        await page.ClickAsync("a.property-link:has-text('Demo site')");
        await EventuallyAsync(page, "[data-metric=visitors] .stat-value", text => text != "0");

        var panels = await page.Locator("[data-panel]").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.panel)");
        Assert.Equal(["realtime", "sources", "pages", "locations", "devices", "content", "events"], panels);
        foreach (var panel in panels.Where(p => p != "realtime"))
        {
            Assert.True(await page.Locator($"[data-panel={panel}] tbody a").CountAsync() > 0, $"The {panel} panel is empty.");
        }

        Assert.True(await page.Locator(".graph svg rect.hover").CountAsync() >= 28);
        foreach (var tab in new[] { "?sources=utm_campaign", "?pages=exit", "?locations=city", "?devices=screen", "?content=tag" })
        {
            await page.GotoAsync(origin + "/properties/demo.example.com" + tab);
            var panel = tab[1..tab.IndexOf('=')];
            Assert.True(await page.Locator($"[data-panel={panel}] tbody a").CountAsync() > 0, $"{tab} is empty.");
        }

        await page.GotoAsync(origin + "/properties/demo.example.com?compare=previous_period");
        Assert.Equal(1, await page.Locator(".graph polyline.comparison").CountAsync());
        Assert.True(await page.Locator(".stat-change").CountAsync() >= 5);
        var directory = Environment.GetEnvironmentVariable("ANALYTICS_SCREENSHOTS");
        if (!string.IsNullOrEmpty(directory))
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, "dashboard-desktop.png"), FullPage = true });
        }

        // A phone: one column, nothing wider than the screen.
        await page.SetViewportSizeAsync(390, 844);
        await page.ReloadAsync();
        var wide = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + '.' + e.className)");
        Assert.True(wide.Length == 0, "Wider than a phone's screen: " + string.Join(", ", wide.Take(10)));
        Assert.Equal(1, await page.EvaluateAsync<int>("() => new Set([...document.querySelectorAll('.grid > .card')].map(e => Math.round(e.getBoundingClientRect().left))).size"));
        if (!string.IsNullOrEmpty(directory))
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, "dashboard-phone.png"), FullPage = true });
        }

        Assert.Empty(problems);
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

    private static async Task<HttpStatusCode> ApiStatusAsync(ServerProcess server, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/properties");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await server.Http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Reloads until the element's text passes (an event takes a moment from its 202 to the tables).</summary>
    private static async Task EventuallyAsync(IPage page, string selector, Func<string, bool> check)
    {
        var text = string.Empty;
        for (var attempt = 0; attempt < 60; attempt++)
        {
            text = (await page.InnerTextAsync(selector)).Trim();
            if (check(text))
            {
                return;
            }

            await Task.Delay(500);
            await page.ReloadAsync();
        }

        Assert.Fail($"'{selector}' still reads '{text}'.");
    }
}
