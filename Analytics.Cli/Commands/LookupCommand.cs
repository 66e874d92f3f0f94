using System.CommandLine;
using System.Net;
using System.Text.Json;
using Analytics.Ingest.Enrichment;

namespace Analytics.Cli.Commands;

/// <summary>
/// Diagnostics for operators: what collect would make of user agents and IP addresses. Reads one per line from stdin,
/// writes one JSON object per line (uap-core's field names; null where unknown).
/// </summary>
internal static class LookupCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var ua = new Command("ua", "Parses user-agent strings (one per line on stdin) with uap-core's rules and the crawler list.");
        ua.SetAction((_, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            using var parser = await UserAgentParser.LoadAsync(null, AnalyticsCommandLine.Progress, cancellationToken);
            await foreach (var line in Lines(cancellationToken))
            {
                var parsed = parser.Parse(line);
                Write(new
                {
                    ua = new { family = parsed.Ua.Family, major = parsed.Ua.Major, minor = parsed.Ua.Minor, patch = parsed.Ua.Patch },
                    os = new { family = parsed.Os.Family, major = parsed.Os.Major, minor = parsed.Os.Minor, patch = parsed.Os.Patch, patch_minor = parsed.Os.PatchMinor },
                    device = new { family = parsed.Hardware.Family, brand = parsed.Hardware.Brand, model = parsed.Hardware.Model },
                    device_type = parsed.DeviceType,
                    bot = parsed.IsBot,
                });
            }

            return 0;
        }));

        var db = new Option<string?>("--db") { Description = "A MaxMind DB (.mmdb) file; default: ANALYTICS_GEOIP_DB, else DB-IP's country database." };
        var ip = new Command("ip", "Locates IP addresses (one per line on stdin) in the GeoIP database.") { db };
        ip.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            var geo = await GeoLookup.OpenAsync(parse.GetValue(db) ?? Environment.GetEnvironmentVariable("ANALYTICS_GEOIP_DB"), AnalyticsCommandLine.Progress, cancellationToken);
            await foreach (var line in Lines(cancellationToken))
            {
                var address = IPAddress.TryParse(line.Trim(), out var parsed) ? parsed : null;
                var location = geo.Locate(address);
                Write(new
                {
                    ip = line.Trim(),
                    country_code = Null(location.CountryCode),
                    region = Null(location.Region),
                    city = Null(location.City),
                });
            }

            return 0;
        }));

        return new Command("lookup", "Shows what collect makes of user agents (lookup ua) and IP addresses (lookup ip).") { ua, ip };
    }

    private static string? Null(string value) => value.Length == 0 ? null : value;

    private static void Write<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    private static async IAsyncEnumerable<string> Lines([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var input = new StreamReader(Console.OpenStandardInput());
        while (await input.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length > 0)
            {
                yield return line;
            }
        }
    }
}
