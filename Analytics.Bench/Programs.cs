using System.Diagnostics;
using Analytics.Cli.Commands;
using Analytics.Storage.Hosting;

namespace Analytics.Bench;

/// <summary>The programs the benchmark drives (wrk, Chromium): found on the PATH, installed from Debian when missing, and run.</summary>
internal static class Programs
{
    /// <summary>
    /// The program's path, installing Debian's <paramref name="package"/> first when it is missing and this runs as
    /// root (or with sudo); <paramref name="purpose"/> names what it is for in the progress line.
    /// </summary>
    public static async Task<string> EnsureAsync(string program, string package, string purpose, CancellationToken cancellationToken)
    {
        if (Find(program) is { } found)
        {
            return found;
        }

        AnalyticsCommandLine.Progress($"Installing {purpose} (Debian package {package})...");
        var sudo = Posix.IsRoot ? string.Empty : "sudo -n ";
        await RunAsync("/bin/sh", ["-c", $"{sudo}apt-get update -qq && DEBIAN_FRONTEND=noninteractive {sudo}apt-get install -y -qq {package} >/dev/null"], cancellationToken);
        return Find(program) ?? throw new OptionsException($"The benchmark needs {program} (Debian: apt-get install {package}), and installing it failed.");
    }

    /// <summary>Runs a program to its end; its standard output, or an error with what it printed when it fails.</summary>
    public static async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new OptionsException($"{Path.GetFileName(fileName)} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }

        return await stdout;
    }

    private static string? Find(string program) => (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin")
        .Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(directory => Path.Combine(directory, program))
        .FirstOrDefault(File.Exists);
}
