using Analytics.Tests.Host;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.ClickHouse;

/// <summary>
/// The embedded engine as the product opens it (its default memory limit, 2 GiB) plans a query on as many streams as
/// it has threads. ClickHouse lowers a query's threads while the memory free under the limit is less than a set amount
/// a thread (1 GiB by default), which at our limit left every query on one core.
/// </summary>
public sealed class ParallelReadTests(Engines engines)
{
    [Fact]
    public async Task AQuery_UnderTheProductsDefaultMemoryLimit_RunsOnEveryThread()
    {
        var data = Path.Combine(engines.Root, $"threads-{Guid.NewGuid():N}"[..16]);
        var threads = await SqlAsync(data, "SELECT getSetting('max_threads')");
        Assert.True(int.Parse(threads, System.Globalization.CultureInfo.InvariantCulture) >= Math.Min(2, Environment.ProcessorCount), $"max_threads {threads} on {Environment.ProcessorCount} cores");

        var pipeline = await SqlAsync(data, "EXPLAIN PIPELINE SELECT sum(number) FROM numbers_mt(100000000)");
        Assert.Contains(threads == "1" ? "NumbersRange 0 → 1" : $"NumbersRange × {threads} 0 → 1", pipeline, StringComparison.Ordinal);
    }

    private static async Task<string> SqlAsync(string data, string statement)
    {
        var (exit, stdout, stderr) = await AnalyticsProcess.RunAsync(data, "sql", statement, "--format", "TSVRaw");
        Assert.True(exit == 0, stderr);
        return stdout.Trim();
    }
}
