using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Host;

/// <summary>analytics goals as an operator runs it: the real command over a data directory of its own.</summary>
public sealed class GoalsCommandTests(Engines engines)
{
    [Fact]
    public async Task GoalsAndFunnels_AddListDelete_AndBadInputNamesTheOption()
    {
        var data = Path.Combine(engines.Root, $"goals-{Guid.NewGuid():N}"[..18]);
        Assert.Equal(0, (await AnalyticsProcess.RunAsync(data, "properties", "add", "example.com")).Exit);

        var added = new List<string>();
        foreach (var arguments in new[]
        {
            new[] { "--event", "Signup" },
            ["--event", "Purchase", "--currency", "EUR", "--prop", "plan=pro", "--name", "Pro purchase"],
            ["--page", "/pricing"],
            ["--scroll", "/blog/**:75"],
        })
        {
            var result = await AnalyticsProcess.RunAsync(data, ["goals", "add", "--property", "example.com", .. arguments]);
            Assert.True(result.Exit == 0, result.Stderr);
            added.Add(result.Stdout.Trim());
        }

        var list = await AnalyticsProcess.RunAsync(data, "goals", "list", "--property", "example.com");
        Assert.True(list.Exit == 0, list.Stderr);
        var rows = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToList();
        Assert.Equal(
            ["Pro purchase|event|Purchase plan=pro|EUR", "Scroll 75% on /blog/**|scroll|/blog/** scrolled 75%|", "Signup|event|Signup|", "Visit /pricing|page|/pricing|"],
            rows.Select(r => string.Join('|', r[1..])));

        foreach (var (arguments, says) in new[]
        {
            (new[] { "--event", "Signup" }, "--event"),
            (["--scroll", "/blog"], "--scroll"),
            (["--event", "Donation", "--currency", "EURO"], "--currency"),
            (["--page", "pricing"], "--page"),
        })
        {
            var refused = await AnalyticsProcess.RunAsync(data, ["goals", "add", "--property", "example.com", .. arguments]);
            Assert.True(refused.Exit != 0 && refused.Stderr.Contains(says, StringComparison.Ordinal), $"{string.Join(' ', arguments)}: {refused.Exit} {refused.Stderr}");
        }

        var missing = await AnalyticsProcess.RunAsync(data, "goals", "list", "--property", "nowhere.example");
        Assert.True(missing.Exit != 0 && missing.Stderr.Contains("--property", StringComparison.Ordinal), missing.Stderr);

        // Funnels of those goals, by display name: two to eight distinct steps.
        var funnel = await AnalyticsProcess.RunAsync(data, "funnels", "add", "--property", "example.com", "--name", "Buying", "--step", "Visit /pricing", "--step", "Signup", "--step", "Pro purchase");
        Assert.True(funnel.Exit == 0, funnel.Stderr);
        foreach (var (arguments, says) in new[]
        {
            (new[] { "--name", "One", "--step", "Signup" }, "--step"),
            (["--name", "Unknown", "--step", "Signup", "--step", "Sign up"], "Sign up"),
            (["--name", "Buying", "--step", "Signup", "--step", "Visit /pricing"], "--name"),
        })
        {
            var refused = await AnalyticsProcess.RunAsync(data, ["funnels", "add", "--property", "example.com", .. arguments]);
            Assert.True(refused.Exit != 0 && refused.Stderr.Contains(says, StringComparison.Ordinal), $"{string.Join(' ', arguments)}: {refused.Exit} {refused.Stderr}");
        }

        var funnels = await AnalyticsProcess.RunAsync(data, "funnels", "list", "--property", "example.com");
        Assert.Equal($"{funnel.Stdout.Trim()}\tBuying\tVisit /pricing > Signup > Pro purchase", funnels.Stdout.Trim());

        // Deleting a goal deletes the funnels it is a step of.
        Assert.Equal(0, (await AnalyticsProcess.RunAsync(data, "goals", "delete", "--property", "example.com", added[0])).Exit);
        Assert.Empty((await AnalyticsProcess.RunAsync(data, "funnels", "list", "--property", "example.com")).Stdout.Trim());
        var again = await AnalyticsProcess.RunAsync(data, "goals", "delete", "--property", "example.com", added[0]);
        Assert.True(again.Exit != 0 && again.Stderr.Contains("id", StringComparison.Ordinal), again.Stderr);
        var noFunnel = await AnalyticsProcess.RunAsync(data, "funnels", "delete", "--property", "example.com", "1");
        Assert.True(noFunnel.Exit != 0 && noFunnel.Stderr.Contains("no funnel", StringComparison.Ordinal), noFunnel.Stderr);
        Assert.Equal(3, (await AnalyticsProcess.RunAsync(data, "goals", "list", "--property", "example.com")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
