using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Analytics.Storage.Hosting;

namespace Analytics.Bench;

/// <summary>
/// Debian's <c>wrk</c> as the load generator: one C thread with epoll, so on a two-core machine it takes as little
/// as possible from the server it measures. A Lua script sends POST bodies (and, with a delay, a fixed rate).
/// </summary>
internal static partial class Wrk
{
    public sealed record Result(double RequestsPerSecond, double P50Ms, double P99Ms, long Requests, long Non2xx, long Errors);

    /// <summary>Finds wrk, installing Debian's package when it is missing and this runs as root (or with sudo).</summary>
    public static Task<string> EnsureAsync(CancellationToken cancellationToken)
        => Programs.EnsureAsync("wrk", "wrk", "the load generator", cancellationToken);

    /// <summary>
    /// Runs wrk against <paramref name="url"/> with POST bodies from <paramref name="bodies"/> (cycled) and their
    /// X-Forwarded-For addresses. <paramref name="delayMs"/> &gt; 0 makes each connection wait that long between requests.
    /// </summary>
    public static async Task<Result> RunAsync(string wrk, string url, IReadOnlyList<(string Body, string ForwardedFor)> bodies, int connections, TimeSpan duration, int delayMs, CancellationToken cancellationToken)
    {
        var script = Path.Combine(Path.GetTempPath(), $"analytics-bench-{Guid.NewGuid():N}.lua");
        var lua = new StringBuilder();
        lua.AppendLine("local requests = {}");
        lua.AppendLine("local n = 0");
        lua.AppendLine("function init(args)");
        foreach (var (body, forwardedFor) in bodies)
        {
            lua.AppendLine(CultureInfo.InvariantCulture, $"  requests[#requests + 1] = wrk.format('POST', nil, {{['Content-Type'] = 'text/plain', ['User-Agent'] = '{ChildServer.UserAgent}', ['X-Forwarded-For'] = '{forwardedFor}'}}, {Quote(body)})");
        }

        lua.AppendLine("end");
        lua.AppendLine("function request() n = n % #requests + 1; return requests[n] end");
        if (delayMs > 0)
        {
            lua.AppendLine(CultureInfo.InvariantCulture, $"function delay() return {delayMs} end");
        }

        await File.WriteAllTextAsync(script, lua.ToString(), cancellationToken);
        try
        {
            var output = await Programs.RunAsync(wrk, ["-t1", $"-c{connections}", $"-d{(int)duration.TotalSeconds}s", "--latency", "-s", script, url], cancellationToken);
            return Parse(output);
        }
        finally
        {
            File.Delete(script);
        }
    }

    public static Result Parse(string output)
    {
        double Latency(string percentile)
        {
            var match = Regex.Match(output, $@"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
            if (!match.Success)
            {
                return double.NaN;
            }

            var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
        }

        var rate = RequestsPerSecond().Match(output);
        var total = Total().Match(output);
        var non2xx = Non2xx().Match(output);
        var errors = SocketErrors().Match(output);
        if (!rate.Success || !total.Success)
        {
            throw new OptionsException($"Could not read wrk's output:\n{output}");
        }

        return new Result(
            double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture),
            Latency("50"),
            Latency("99"),
            long.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture),
            non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            errors.Success ? errors.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture)) : 0);
    }

    private static string Quote(string text) => "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex Total();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();
}
