using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Analytics.Storage.Hosting;

using Analytics.Cli.Commands;

namespace Analytics.Bench;

/// <summary>
/// A child process of this same program (<c>serve</c>, or the hello-world endpoint), on a loopback port: the
/// benchmarks and the crash harness work on the server as users run it, not an in-process copy.
/// </summary>
internal sealed partial class ChildServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildServer(Process process, int port)
    {
        _process = process;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public bool HasExited => _process.HasExited;

    public HttpClient Http { get; }

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    /// <summary>Starts <c>analytics ARGS --urls http://127.0.0.1:PORT</c> and waits for its <c>/health</c> to answer 2xx.</summary>
    public static async Task<ChildServer> StartAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var server = Launch(arguments, environment);
        try
        {
            await server.WaitHealthyAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts <c>analytics ARGS --urls http://127.0.0.1:PORT</c> without waiting for it.</summary>
    public static ChildServer Launch(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort();
        var self = Environment.ProcessPath ?? throw new OptionsException("Cannot find this program's path to start a server.");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ChildServer).Assembly.Location);
        }

        foreach (var argument in arguments.Concat(["--urls", $"http://127.0.0.1:{port}"]))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new ChildServer(Process.Start(start)!, port);
    }

    /// <summary>Waits (up to 3 minutes) until <c>/health</c> answers 2xx; throws if the process exits first.</summary>
    public async Task WaitHealthyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new OptionsException($"The server exited with {_process.ExitCode}:\n{Tail()}");
            }

            try
            {
                if ((await Http.GetAsync("/health", cancellationToken)).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new OptionsException($"The server did not answer /health within 3 minutes:\n{Tail()}");
    }

    /// <summary>SIGKILL: no shutdown code of the server runs.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as systemd and docker stop a service; the exit code once it has stopped.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        Posix.Terminate(_process.Id);
        using var bound = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(bound.Token);
        return _process.ExitCode;
    }

    /// <summary>The peak resident set size of the server process so far (VmHWM), in MiB.</summary>
    public double PeakRssMb()
    {
        var status = File.ReadAllText($"/proc/{_process.Id}/status");
        var match = PeakRss().Match(status);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) / 1024.0 : double.NaN;
    }

    /// <summary>The CPU time the server process has used so far (user and system, all threads), in seconds.</summary>
    public double CpuSeconds() => ProcessCpuSeconds(File.ReadAllText($"/proc/{_process.Id}/stat"));

    /// <summary>
    /// The CPU time the server has used so far, by whose threads: the embedded ClickHouse's (chDB names its own, e.g.
    /// QueryPipelineEx, MergeMutate, BgSchPool, ThreadPool: every live thread but the .NET runtime's, which are named
    /// ".NET ...", the main thread and the console logger's) and the rest of the process (ours), in seconds. Ours is the
    /// process's total less ClickHouse's: .NET's pool threads retire when idle, and a sum over live threads would lose
    /// what they had used, while ClickHouse keeps its pool's threads.
    /// </summary>
    public (double Managed, double Engine) ThreadCpuSeconds()
    {
        var total = CpuSeconds();
        var main = File.ReadAllText($"/proc/{_process.Id}/comm").TrimEnd('\n');
        var engine = 0.0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{_process.Id}/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
                if (!name.StartsWith(".NET", StringComparison.Ordinal) && name != main && !name.StartsWith("Console logger", StringComparison.Ordinal))
                {
                    engine += ProcessCpuSeconds(File.ReadAllText(Path.Combine(task, "stat")));
                }
            }
            catch (IOException)
            {
                // The thread ended while we read it.
            }
        }

        return (total - engine, engine);
    }

    /// <summary>Every sample of the server's <c>/metrics</c>, summed over labels, by name (e.g. analytics_spool_write_duration_seconds_count).</summary>
    public async Task<Dictionary<string, double>> MetricsAsync(CancellationToken cancellationToken)
        => (await Http.GetStringAsync("/metrics", cancellationToken)).Split('\n')
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => (Name: line[..line.IndexOfAny([' ', '{'])], Parsed: double.TryParse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture, out var value), Value: value))
            .Where(sample => sample.Parsed)
            .GroupBy(sample => sample.Name)
            .ToDictionary(g => g.Key, g => g.Sum(sample => sample.Value));

    /// <summary>utime + stime of a <c>/proc/PID/stat</c> line, in seconds (clock ticks of 1/100 s, as on Linux).</summary>
    public static double ProcessCpuSeconds(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) ": field 3 (state) is fields[0]
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>
    /// The server's resident memory (VmRSS, which includes the embedded ClickHouse) and its managed heap as the last
    /// garbage collection left it (<c>dotnet_gc_last_collection_heap_size_bytes</c> of all generations, from
    /// <c>/metrics</c>), in MiB: the median of ten readings a second apart.
    /// </summary>
    public async Task<(double Rss, double Heap)> MemoryMbAsync(CancellationToken cancellationToken)
    {
        var (rss, heap) = (new List<double>(), new List<double>());
        for (var i = 0; i < 10; i++)
        {
            var match = Rss().Match(await File.ReadAllTextAsync($"/proc/{_process.Id}/status", cancellationToken));
            rss.Add(match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) / 1024.0 : double.NaN);
            heap.Add((await Http.GetStringAsync("/metrics", cancellationToken)).Split('\n')
                .Where(line => line.StartsWith("dotnet_gc_last_collection_heap_size_bytes{", StringComparison.Ordinal))
                .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)) / 1024 / 1024);
            await Task.Delay(1000, cancellationToken);
        }

        return (Timings.Percentile(rss, 0.5), Timings.Percentile(heap, 0.5));
    }

    /// <summary>
    /// Sends one event at a time and polls a report until it shows: the time from the 202 to visible, per sample (ms).
    /// </summary>
    public async Task<List<double>> FreshnessAsync(string domain, string apiKey, int samples, CancellationToken cancellationToken)
    {
        var times = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var path = $"/fresh/{Guid.NewGuid():N}";
            using var collect = new HttpRequestMessage(HttpMethod.Post, "/api/event") { Content = new StringContent(CollectBody(domain, path), Encoding.UTF8, "text/plain") };
            collect.Headers.UserAgent.ParseAdd(UserAgent);
            collect.Headers.Add("X-Forwarded-For", $"198.51.100.{i % 250}");
            var sent = DateTime.UtcNow.Date; // the collect property's zone is UTC
            var accepted = await Http.SendAsync(collect, cancellationToken);
            var watch = Stopwatch.StartNew();
            if (accepted.StatusCode != HttpStatusCode.Accepted)
            {
                throw new OptionsException($"collect answered {(int)accepted.StatusCode}: {await accepted.Content.ReadAsStringAsync(cancellationToken)}");
            }

            var query = new JsonObject
            {
                ["site_id"] = domain,
                ["metrics"] = new JsonArray("pageviews"),
                // The day it was sent and the next: "day" is today when asked, and an event sent just before midnight
                // is asked for after it (run 77 stopped there).
                ["date_range"] = new JsonArray(sent.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), sent.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                ["filters"] = new JsonArray(new JsonArray("is", "event:page", new JsonArray(path))),
            };
            while (JsonNode.Parse(await PostQueryAsync(apiKey, query, cancellationToken))!["results"]!.AsArray() is not [{ } row, ..] || row["metrics"]![0]!.GetValue<double>() < 1)
            {
                if (watch.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new OptionsException($"an accepted event did not show in a report within 30 s ({path}).");
                }

                await Task.Delay(10, cancellationToken);
            }

            times.Add(watch.Elapsed.TotalMilliseconds);
            AnalyticsCommandLine.Bar((i + 1) / (double)samples, $"freshness: {watch.Elapsed.TotalMilliseconds:F0} ms", final: i == samples - 1);
            await Task.Delay(Random.Shared.Next(0, 300), cancellationToken); // not in step with the spool's seal timer
        }

        return times;
    }

    /// <summary>Posts a Plausible v2 query; the elapsed time in ms.</summary>
    public async Task<double> QueryAsync(string apiKey, JsonObject query, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        await PostQueryAsync(apiKey, query, cancellationToken);
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>Posts a Plausible v2 query with the key; the body of a 2xx answer (anything else ends the run).</summary>
    private async Task<string> PostQueryAsync(string apiKey, JsonObject query, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v2/query") { Content = new StringContent(query.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        var response = await Http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode ? body : throw new OptionsException($"the report answered {(int)response.StatusCode}: {body}");
    }

    public const string UserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

    /// <summary>A pageview as the tracker sends it.</summary>
    public static string CollectBody(string domain, string path) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["n"] = "pageview",
        ["u"] = $"https://{domain}{path}",
        ["d"] = domain,
        ["r"] = "https://www.google.com/",
        ["w"] = 1440,
    });

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            try
            {
                await TerminateAsync(TimeSpan.FromSeconds(60));
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    public string Tail()
    {
        var text = Output();
        return text.Length > 4000 ? text[^4000..] : text;
    }

    /// <summary>What the process wrote to standard output and error (the last 32 to 64 KB of it).</summary>
    public string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (_output.Length > 64_000)
            {
                _output.Remove(0, 32_000);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"VmHWM:\s+(\d+) kB")]
    private static partial Regex PeakRss();

    [GeneratedRegex(@"VmRSS:\s+(\d+) kB")]
    private static partial Regex Rss();
}
