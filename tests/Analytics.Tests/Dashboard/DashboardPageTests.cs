using Analytics.Tests.Host;
using Analytics.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Analytics.Tests.Dashboard;

/// <summary>The dashboard as a browser sees it: the server as a user runs it, and Debian's Chromium.</summary>
public sealed class DashboardPageTests(Engines engines)
{
    [Fact]
    public async Task HomePage_RendersOnTheServer_WithRadzensStylesAndFontsFromThisServerOnly()
    {
        await using var server = await ServerProcess.StartAsync(engines);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync();
        var requests = new List<string>();
        var failures = new List<string>();
        page.Request += (_, request) => requests.Add(request.Url);
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                failures.Add($"{response.Status} {response.Url}");
            }
        };

        var origin = server.Http.BaseAddress!.ToString().TrimEnd('/');
        var response = await page.GotoAsync(origin + "/");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        Assert.Equal(200, response!.Status);
        Assert.Equal("Analytics", await page.TitleAsync());
        Assert.Equal("Analytics is running", await page.InnerTextAsync("h1"));

        // Radzen's theme applied (its stylesheet sets the layout's grid), every asset answered, none from elsewhere.
        Assert.Equal("grid", await page.EvalOnSelectorAsync<string>(".rz-layout", "e => getComputedStyle(e).display"));
        Assert.Contains(requests, url => url.Contains("/_content/Radzen.Blazor/css/", StringComparison.Ordinal));
        Assert.Empty(failures);
        Assert.All(requests, url => Assert.StartsWith(origin, url, StringComparison.Ordinal));
    }
}
