using Analytics.Cli.Commands;
using Microsoft.Playwright;

namespace Analytics.Bench;

/// <summary>
/// The dashboard as a browser sees it: Debian's Chromium through Playwright against the server under test, signed in.
/// Times are the page's own clock (<c>performance.now()</c>, from the navigation's start or the click), read the
/// frame the condition first holds.
/// </summary>
internal sealed class BrowserBench : IAsyncDisposable
{
    /// <summary>The first view is complete: the panels show the view the URL names, with its graph.</summary>
    private const string Shown = "() => { const v = document.querySelector('[data-view]'); return v && v.getAttribute('aria-busy') === 'false' && location.pathname + location.search === v.dataset.view && v.querySelector('.graph') && performance.now(); }";

    /// <summary>The circuit has taken over from the prerendered page (clicks run on the server).</summary>
    private const string Interactive = "() => document.querySelector('main[data-interactive=true]') && performance.now()";

    /// <summary>
    /// Nothing on the page is still coming (the latest visits and a funnel are read after the view is shown): a run
    /// waits for it before it closes its tab, so that its work does not fall into the next run's figures.
    /// </summary>
    private const string Complete = "() => !document.querySelector('[aria-busy=true]') && performance.now()";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly IBrowserContext _context;
    private readonly string _origin;

    private BrowserBench(IPlaywright playwright, IBrowser browser, IBrowserContext context, string origin)
    {
        _playwright = playwright;
        _browser = browser;
        _context = context;
        _origin = origin;
    }

    /// <summary>Chromium (installing Debian's package when missing), signed in to the server at <paramref name="origin"/>.</summary>
    public static async Task<BrowserBench> StartAsync(string origin, string email, string password, CancellationToken cancellationToken)
    {
        var chromium = await Programs.EnsureAsync("chromium", "chromium", "the browser for the dashboard's figures", cancellationToken);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        // Reduced motion: Chromium shares the machine with the server, and with software rendering the realtime dot's
        // pulse in 50 tabs drew frames on about 1.4 of the 2 cores; a user's browser draws on its own machine (and
        // only for the tab in front). The browser's CPU is reported beside the figures.
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 }, ReducedMotion = ReducedMotion.Reduce });
        var bench = new BrowserBench(playwright, browser, context, origin);
        var page = await context.NewPageAsync();
        await page.GotoAsync(origin + "/login");
        await page.FillAsync("input[name='Input.Email']", email);
        await page.FillAsync("input[name='Input.Password']", password);
        await page.ClickAsync("main button[type=submit]");
        await page.WaitForSelectorAsync("h1:text-is('Properties')");
        await page.CloseAsync();
        return bench;
    }

    /// <summary>
    /// Opens <paramref name="path"/> <paramref name="runs"/> times (after a warm-up) in a new tab each: the time to the
    /// complete first view, to the circuit's takeover, and to the response's first byte (the server's part: the page is
    /// prerendered, so its queries run before the first byte), in ms from the navigation's start.
    /// </summary>
    public async Task<(Timings FirstView, Timings Interactive, Timings FirstByte)> FirstViewAsync(string label, string path, int runs)
    {
        var shown = new List<double>();
        var interactive = new List<double>();
        var firstByte = new List<double>();
        for (var run = -1; run < runs; run++)
        {
            var page = await _context.NewPageAsync();
            await page.GotoAsync(_origin + path, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
            var first = await Until(page, Shown);
            var live = await Until(page, Interactive);
            var ttfb = await page.EvaluateAsync<double>("() => performance.getEntriesByType('navigation')[0].responseStart");
            await Until(page, Complete);
            await page.CloseAsync(new PageCloseOptions { RunBeforeUnload = true });
            if (run >= 0)
            {
                (shown, interactive) = ([.. shown, first], [.. interactive, live]);
                firstByte.Add(ttfb);
            }

            AnalyticsCommandLine.Bar((run + 2) / (double)(runs + 1), $"{label}: first view {first:F0} ms, interactive {live:F0} ms", final: run == runs - 1);
        }

        return (new Timings(shown, new Dictionary<string, double>()), new Timings(interactive, new Dictionary<string, double>()), new Timings(firstByte, new Dictionary<string, double>()));
    }

    /// <summary>
    /// On <paramref name="path"/>, once interactive, clicks the first row of a panel (a filter, loaded in place): the time
    /// from the click to every panel showing the filtered view. A new tab for each run, after a warm-up.
    /// </summary>
    public async Task<Timings> FilterClickAsync(string label, string path, string panel, int runs)
    {
        var times = new List<double>();
        for (var run = -1; run < runs; run++)
        {
            var page = await _context.NewPageAsync();
            await page.GotoAsync(_origin + path);
            await Until(page, Shown);
            await Until(page, Interactive);
            await Until(page, Complete);
            var row = $"[data-panel={panel}] a[title='Filter by this']";
            await page.WaitForSelectorAsync(row);
            await page.EvaluateAsync("selector => { window.benchClick = performance.now(); document.querySelector(selector).click(); }", row);
            var updated = await Until(page, $"() => {{ const shown = location.search.includes('filters=') && ({Shown})(); return shown ? shown - window.benchClick : false; }}");
            await Until(page, Complete);
            await page.CloseAsync(new PageCloseOptions { RunBeforeUnload = true });
            if (run >= 0)
            {
                times.Add(updated);
            }

            AnalyticsCommandLine.Bar((run + 2) / (double)(runs + 1), $"{label}: {updated:F0} ms", final: run == runs - 1);
        }

        return new Timings(times, new Dictionary<string, double>());
    }

    /// <summary>Opens <paramref name="count"/> tabs on <paramref name="path"/> and waits until each is interactive; they stay open until disposed.</summary>
    public async Task<IReadOnlyList<IPage>> OpenCircuitsAsync(string path, int count)
    {
        var pages = new List<IPage>();
        for (var i = 0; i < count; i++)
        {
            var page = await _context.NewPageAsync();
            await page.GotoAsync(_origin + path);
            await Until(page, Interactive);
            await Until(page, Complete);
            pages.Add(page);
            AnalyticsCommandLine.Bar((i + 1) / (double)count, $"open dashboards: {i + 1}", final: i == count - 1);
        }

        return pages;
    }

    /// <summary>The CPU time all Chromium processes on the machine have used so far, in seconds.</summary>
    public static double BrowserCpuSeconds()
    {
        var total = 0.0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                if (name.StartsWith("chrom", StringComparison.Ordinal))
                {
                    total += ChildServer.ProcessCpuSeconds(stat);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
            {
                // Not a process, or one that ended while it was read.
            }
        }

        return total;
    }

    private static async Task<double> Until(IPage page, string condition)
    {
        var handle = await page.WaitForFunctionAsync(condition, null, new PageWaitForFunctionOptions { Timeout = 120_000 });
        return await handle.JsonValueAsync<double>();
    }

    public async ValueTask DisposeAsync()
    {
        await _context.CloseAsync();
        await _browser.CloseAsync();
        _playwright.Dispose();
    }
}
