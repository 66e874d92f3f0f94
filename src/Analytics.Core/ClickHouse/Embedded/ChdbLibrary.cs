using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace Analytics.ClickHouse.Embedded;

/// <summary>
/// Finds <c>libchdb.so</c>: the configured path, or the cached copy of the pinned npm package, fetched on first use
/// with the machine's own npm client into a cache outside the repository (never committed, ~570 MB unpacked).
/// </summary>
public static class ChdbLibrary
{
    public const string Package = "@chdb/lib-linux-x64-gnu";
    public const string Version = "26.7.3-stable.1";

    /// <summary>Where the fetched library lives: <c>$ANALYTICS_CACHE</c>, else <c>$XDG_CACHE_HOME/analytics</c>, else <c>~/.cache/analytics</c>.</summary>
    public static string CacheDirectory
    {
        get
        {
            var explicitCache = Environment.GetEnvironmentVariable("ANALYTICS_CACHE");
            if (!string.IsNullOrEmpty(explicitCache))
            {
                return explicitCache;
            }

            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
                : xdg;
            return Path.Combine(root, "analytics");
        }
    }

    public static string DefaultPath => Path.Combine(CacheDirectory, "chdb", Version, "libchdb.so");

    /// <summary>Returns the library path, fetching the default one first if it is not cached yet.</summary>
    /// <param name="configuredPath">A user's own libchdb.so; used as is, never fetched.</param>
    /// <param name="progress">Receives one line per step of a first-run fetch.</param>
    public static async Task<string> EnsureAsync(string? configuredPath, Action<string> progress, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(configuredPath))
        {
            return configuredPath;
        }

        var target = DefaultPath;
        if (File.Exists(target))
        {
            return target;
        }

        var directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);

        // Several processes (a server and a test run) may start at once: one fetches, the others wait for it.
        await using var fetchLock = await AcquireLockAsync(Path.Combine(directory, ".fetch.lock"), progress, cancellationToken).ConfigureAwait(false);
        if (File.Exists(target))
        {
            return target;
        }

        var staging = Path.Combine(directory, $".staging-{Environment.ProcessId}");
        Directory.CreateDirectory(staging);
        try
        {
            progress($"Fetching the embedded ClickHouse engine ({Package}@{Version}, about 180 MB) with npm; this happens once.");
            var stopwatch = Stopwatch.StartNew();
            var tarball = await PackAsync(staging, cancellationToken).ConfigureAwait(false);
            progress($"Downloaded {new FileInfo(tarball).Length / 1_000_000} MB in {stopwatch.Elapsed.TotalSeconds:0.0} s; unpacking libchdb.so.");
            var unpacked = Path.Combine(staging, "libchdb.so");
            await ExtractAsync(tarball, "package/libchdb.so", unpacked, cancellationToken).ConfigureAwait(false);
            File.Move(unpacked, target, overwrite: true);
            progress($"The embedded ClickHouse engine is ready at {target}.");
            return target;
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    private static async Task<string> PackAsync(string destination, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("npm")
        {
            ArgumentList = { "pack", $"{Package}@{Version}", "--pack-destination", destination, "--silent" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = destination,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ClickHouseException("npm could not be started.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ClickHouseException(
                "npm was not found, and it is needed once to fetch the embedded ClickHouse engine. Install Node.js and npm " +
                "(apt-get install npm), or set ANALYTICS_CHDB_LIBRARY to a libchdb.so you already have.", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new ClickHouseException($"npm pack {Package}@{Version} failed (exit {process.ExitCode}): {(await stderr.ConfigureAwait(false)).Trim()}");
            }

            var name = (await stdout.ConfigureAwait(false)).Trim().Split('\n')[^1].Trim();
            var path = Path.Combine(destination, name);
            return File.Exists(path)
                ? path
                : throw new ClickHouseException($"npm pack reported '{name}', but no such file was written to {destination}.");
        }
    }

    private static async Task ExtractAsync(string tarball, string entryName, string destination, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(tarball);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var reader = new TarReader(gzip);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            if (entry.Name == entryName && entry.DataStream is not null)
            {
                await using var output = File.Create(destination);
                await entry.DataStream.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        throw new ClickHouseException($"The package {Package}@{Version} has no {entryName}.");
    }

    private static async Task<FileStream> AcquireLockAsync(string path, Action<string> progress, CancellationToken cancellationToken)
    {
        var told = false;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                if (!told)
                {
                    progress("Another process is fetching the embedded ClickHouse engine; waiting for it.");
                    told = true;
                }

                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
