using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Analytics.Tests.Host;

/// <summary>
/// Runs the real <c>analytics</c> command (the built host) as a child process; <c>bench</c> and <c>chaos</c> run the
/// tooling binary, <c>analytics-bench</c>, as <c>./analytics</c> does.
/// </summary>
internal static class AnalyticsProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "analytics.dll");

    public static string BenchDll => Path.Combine(AppContext.BaseDirectory, "analytics-bench.dll");

    public static ProcessStartInfo StartInfo(string dataDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(arguments.FirstOrDefault() is "bench" or "chaos" ? BenchDll : Dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ANALYTICS_DATA"] = dataDirectory;
        start.Environment.Remove("ASPNETCORE_URLS");
        return start;
    }

    /// <summary>Runs a command to its end and returns its exit code and output.</summary>
    public static Task<(int Exit, string Stdout, string Stderr)> RunAsync(string dataDirectory, params string[] arguments)
        => RunWithInputAsync(dataDirectory, string.Empty, arguments);

    /// <summary>Runs a command with <paramref name="input"/> on its standard input.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunWithInputAsync(string dataDirectory, string input, params string[] arguments)
    {
        using var process = Process.Start(StartInfo(dataDirectory, arguments))!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Collects a process's output lines so a failing test can show them.</summary>
    public static StringBuilder Capture(Process process)
    {
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return output;
    }
}
