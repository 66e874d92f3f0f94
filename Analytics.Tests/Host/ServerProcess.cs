using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Host;

/// <summary><c>analytics serve</c> as a user runs it: a child process on a data directory and a loopback port.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private ServerProcess(string data, int port, Process process, StringBuilder output)
    {
        Data = data;
        Port = port;
        Process = process;
        Output = output;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public string Data { get; }

    public int Port { get; }

    public Process Process { get; }

    public StringBuilder Output { get; }

    public HttpClient Http { get; }

    /// <summary>Starts a server (a new data directory unless one is given) and waits until /health answers 200.</summary>
    public static Task<ServerProcess> StartAsync(Engines engines, string? data = null, int? port = null, params string[] arguments)
        => StartAsync(engines, data, port, arguments, []);

    /// <summary>Starts a server with settings in its environment, e.g. ("ANALYTICS_PUBLIC_URL", "https://analytics.test").</summary>
    public static async Task<ServerProcess> StartAsync(Engines engines, string? data, int? port, string[] arguments, params (string Name, string Value)[] environment)
    {
        data ??= Path.Combine(engines.Root, $"serve-{Guid.NewGuid():N}"[..20]);
        var chosen = port ?? AnalyticsProcess.FreePort();
        var start = AnalyticsProcess.StartInfo(data, ["serve", "--urls", $"http://127.0.0.1:{chosen}", .. arguments]);
        start.Environment["ANALYTICS_CHDB_LIBRARY"] = engines.LibraryPath;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        var server = new ServerProcess(data, chosen, process, AnalyticsProcess.Capture(process));
        await server.WaitHealthyAsync();
        return server;
    }

    public async Task<HttpResponseMessage> WaitHealthyAsync()
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with {Process.ExitCode}:\n{Output}");
            }

            try
            {
                var response = await Http.GetAsync("/health");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return response;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The server did not become healthy:\n{Output}");
    }

    /// <summary>SIGTERM, as docker and systemd stop a service, and wait for the exit.</summary>
    public async Task TerminateAsync()
    {
        await Signal("TERM");
        using var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Process.WaitForExitAsync(stopped.Token);
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        await Signal("KILL");
        await Process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            await KillAsync();
        }

        // A killed server leaves its private PostgreSQL running; stop it so the test run leaves nothing behind.
        if (File.Exists(Path.Combine(Data, "postgres", "postmaster.pid")))
        {
            await Process.Start("runuser", ["-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "stop", "-m", "immediate", "-D", Path.Combine(Data, "postgres")])!.WaitForExitAsync();
        }

        Http.Dispose();
        Process.Dispose();
    }

    private async Task Signal(string name)
        => await Process.Start("kill", [$"-{name}", Process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExitAsync();
}
