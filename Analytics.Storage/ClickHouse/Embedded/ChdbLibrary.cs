using Analytics.Storage.Hosting;

namespace Analytics.Storage.ClickHouse.Embedded;

/// <summary>
/// Finds <c>libchdb.so</c>: the configured path, or the pinned npm package's copy, fetched on first use into the
/// cache (~570 MB unpacked).
/// </summary>
internal static class ChdbLibrary
{
    public const string Package = "@chdb/lib-linux-x64-gnu";
    public const string Version = "26.7.3-stable.1";

    /// <summary>Returns the library path, fetching the default one first if it is not cached yet.</summary>
    /// <param name="configuredPath">A user's own libchdb.so; used as is, never fetched.</param>
    public static async Task<string> EnsureAsync(string? configuredPath, Action<string> progress, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(configuredPath))
        {
            return configuredPath;
        }

        try
        {
            return await NpmPackages.EnsureFileAsync("chdb", Package, Version, "libchdb.so", "the embedded ClickHouse engine, about 180 MB", progress, cancellationToken);
        }
        catch (NpmFetchException e)
        {
            throw new ClickHouseException($"{e.Message} For the embedded ClickHouse you can also set ANALYTICS_CHDB_LIBRARY to a libchdb.so you have.", e);
        }
    }
}
