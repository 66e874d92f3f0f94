using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Host;

/// <summary>analytics goals as an operator runs it: the real command over a data directory of its own.</summary>
public sealed class GoalsCommandTests(Engines engines)
{
    [Fact]
    public async Task GoalsAddListDelete_EachKind_AndBadInputNamesTheOption()
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

        Assert.Equal(0, (await AnalyticsProcess.RunAsync(data, "goals", "delete", "--property", "example.com", added[0])).Exit);
        var again = await AnalyticsProcess.RunAsync(data, "goals", "delete", "--property", "example.com", added[0]);
        Assert.True(again.Exit != 0 && again.Stderr.Contains("id", StringComparison.Ordinal), again.Stderr);
        Assert.Equal(3, (await AnalyticsProcess.RunAsync(data, "goals", "list", "--property", "example.com")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
