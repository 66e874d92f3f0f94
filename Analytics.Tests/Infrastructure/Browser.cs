using Microsoft.Playwright;

namespace Analytics.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium through Playwright, headless. Its user agent is an ordinary Chrome's: headless Chromium says
/// "HeadlessChrome", which collect rightly drops as a robot, and beacons ignore a context's user agent. Tests route
/// tracked sites at public names while the server listens on loopback, which Chromium's private network access
/// checks would block (in production both are public), so those checks are off.
/// </summary>
internal sealed class Browser : IAsyncDisposable
{
    public const string ChromeAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    public static async Task<Browser> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-features=BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,LocalNetworkAccessChecks", $"--user-agent={ChromeAgent}"],
        });
        return new Browser(playwright, browser);
    }

    /// <summary>
    /// A page in a new context (its own cookies) of the given size. <c>Problems</c> collects the answers of 400 and
    /// above as "status path?query", and requests that went to any other origin than <paramref name="origin"/> and the
    /// <paramref name="routed"/> ones (pages a test fulfils itself).
    /// </summary>
    public async Task<(IBrowserContext Context, IPage Page, List<string> Problems)> NewPageAsync(string origin, int width, int height, params string[] routed)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            UserAgent = ChromeAgent,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            AcceptDownloads = true,
        });
        var page = await context.NewPageAsync();
        var problems = new List<string>();
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                var uri = new Uri(response.Url);
                problems.Add($"{response.Status} {uri.PathAndQuery}");
            }
        };
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(origin, StringComparison.Ordinal) && !routed.Any(r => request.Url.StartsWith(r, StringComparison.Ordinal)))
            {
                problems.Add("elsewhere " + request.Url);
            }
        };
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                problems.Add("csp " + message.Text); // the page broke the policy the server sends
            }
        };
        return (context, page, problems);
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
