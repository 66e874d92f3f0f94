using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Analytics.Hosting;

namespace Analytics.Host.Commands.Bench;

/// <summary>
/// A child process of this same program (<c>serve</c>, or the hello-world endpoint), on a loopback port: the
/// collect benchmarks measure the server as users run it, not an in-process copy.
/// </summary>
internal sealed partial class BenchServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private BenchServer(Process process, int port)
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

    public HttpClient Http { get; }

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    /// <summary>Starts <c>analytics ARGS --urls http://127.0.0.1:PORT</c> and waits for its <c>/health</c> to answer 2xx.</summary>
    public static async Task<BenchServer> StartAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var self = Environment.ProcessPath ?? throw new OptionsException("Cannot find this program's path to start the benchmark server.");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(BenchServer).Assembly.Location);
        }

        foreach (var argument in arguments.Concat(["--urls", $"http://127.0.0.1:{port}"]))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var server = new BenchServer(Process.Start(start)!, port);
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            if (server._process.HasExited)
            {
                throw new OptionsException($"The benchmark server exited with {server._process.ExitCode}:\n{server.Tail()}");
            }

            try
            {
                if ((await server.Http.GetAsync("/health", cancellationToken)).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200, cancellationToken);
        }

        await server.DisposeAsync();
        throw new OptionsException($"The benchmark server did not answer /health within 3 minutes:\n{server.Tail()}");
    }

    /// <summary>The peak resident set size of the server process so far (VmHWM), in MiB.</summary>
    public double PeakRssMb()
    {
        var status = File.ReadAllText($"/proc/{_process.Id}/status");
        var match = PeakRss().Match(status);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) / 1024.0 : double.NaN;
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
                ["date_range"] = "day",
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
            Posix.Terminate(_process.Id);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
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
        lock (_output)
        {
            var text = _output.ToString();
            return text.Length > 4000 ? text[^4000..] : text;
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
}
