using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Host;

/// <summary>The crash harness as CI runs it: the real server killed with SIGKILL 20 times under load.</summary>
public sealed class ChaosTests(Engines engines)
{
    [Fact]
    public async Task TwentyKillsUnderLoad_LoseNothing_DuplicateNothing_InRawOrAnyView()
    {
        var root = Path.Combine(engines.Root, "chaos");
        var run = await AnalyticsProcess.RunAsync(root, "chaos", "--cycles", "20", "--data", root);

        var lines = run.Stdout.TrimEnd().Split('\n');
        Assert.True(run.Exit == 0, run.Stdout + run.Stderr);
        Assert.Equal("lost=0 duplicates=0 cycles=20", lines[^1]);
        Assert.Contains(lines, line => line.StartsWith("rollup_monthly (events)", StringComparison.Ordinal)); // every view was compared
        var acknowledged = long.Parse(lines[0].Split(' ', ';')[1], System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(acknowledged > 1_000, lines[0]); // the kills landed under load
        Assert.Empty(Directory.GetDirectories(root)); // a clean run leaves nothing behind
    }
}
