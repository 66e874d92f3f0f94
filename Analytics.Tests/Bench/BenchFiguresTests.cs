using Analytics.Bench;
using Analytics.Storage.Hosting;

namespace Analytics.Tests.Bench;

/// <summary>The parts of the benchmark that turn raw output into figures (the figures themselves are measured by ./analytics bench, never in tests).</summary>
public sealed class BenchFiguresTests
{
    private const string WrkOutput = """
        Running 6s test @ http://127.0.0.1:8123/api/event
          1 threads and 512 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency    15.22ms    7.03ms  58.33ms   73.14%
            Req/Sec    29.57k     6.50k   44.56k    66.10%
          Latency Distribution
             50%  870.00us
             75%   18.70ms
             90%   24.93ms
             99%    1.20s
          176388 requests in 6.02s, 35.33MB read
          Socket errors: connect 0, read 2, write 0, timeout 5
          Non-2xx or 3xx responses: 12
        Requests/sec:  29287.68
        Transfer/sec:      5.87MB
        """;

    [Fact]
    public void WrkOutput_GivesRateLatenciesInMillisecondsAndFailures()
    {
        var result = Wrk.Parse(WrkOutput);

        Assert.Equal(29287.68, result.RequestsPerSecond);
        Assert.Equal(0.87, result.P50Ms, 6);
        Assert.Equal(1200, result.P99Ms, 6);
        Assert.Equal(176388, result.Requests);
        Assert.Equal(12, result.Non2xx);
        Assert.Equal(7, result.Errors);
    }

    [Fact]
    public void WrkOutput_WithoutItsSummary_IsAClearError()
    {
        var error = Assert.Throws<OptionsException>(() => Wrk.Parse("unable to connect to 127.0.0.1:1 Connection refused"));
        Assert.Contains("Connection refused", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Percentile_IsNearestRank()
    {
        double[] runs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];

        Assert.Equal(5, Timings.Percentile(runs, 0.5));
        Assert.Equal(10, Timings.Percentile(runs, 0.95));
        Assert.Equal(1, Timings.Percentile(runs, 0.01));
        Assert.True(double.IsNaN(Timings.Percentile([], 0.5)));
    }
}
