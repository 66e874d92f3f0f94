using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;

namespace Analytics.Ingest.Transfer;

/// <summary>
/// Imports Google Analytics 4's BigQuery export of daily event tables, as JSON lines or Parquet (<c>events_YYYYMMDD</c>
/// exported with BigQuery's "Export" as JSON or Parquet, one file, a folder of them, or a zip), as the property's own events: GA4 keeps raw
/// events, so they go through <see cref="EventImport"/> (each line checked first, sessions rebuilt with the 30-minute
/// rule, stored once however often it runs). <c>page_view</c> becomes a pageview; GA4's own bookkeeping events
/// (session_start, first_visit, user_engagement, scroll) are left out; any other event keeps its name. The visitor id
/// is the hashed <c>user_pseudo_id</c>; the page, title and referrer come from the event's parameters, UTM tags from
/// <c>collected_traffic_source</c>, and the country from <c>geo.country</c>'s English name.
/// </summary>
public static class Ga4Import
{
    public const string Source = "ga4";

    /// <summary>GA4's own events, which are not visitors' actions.</summary>
    private static readonly HashSet<string> Bookkeeping = new(StringComparer.Ordinal) { "session_start", "first_visit", "user_engagement", "scroll" };

    /// <param name="countryCode">An English country name's ISO code (GA4 exports names), null when unknown.</param>
    public static async Task<long> RunAsync(IClickHouse clickHouse, Property property, string path, Func<string, string?> countryCode, Action<string> progress, CancellationToken cancellationToken)
    {
        string[] kinds = [".json", ".jsonl", ".ndjson", ".parquet"];
        var files = ExportFiles.Read(path).Where(f => kinds.Any(k => f.Name.EndsWith(k, StringComparison.OrdinalIgnoreCase))).ToList();
        if (files.Count == 0)
        {
            throw new FieldValidationException("path", $"{path} has no .json, .jsonl or .parquet file: give GA4's BigQuery export as JSON lines or Parquet (a file, a folder of them, or a zip).");
        }

        var lines = new StringBuilder();
        var (kept, skipped) = (0, 0);
        foreach (var (name, bytes) in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var rows = name.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) ? await ParquetRowsAsync(Path.GetFileName(name), bytes, cancellationToken) : JsonLines(Path.GetFileName(name), bytes);
            foreach (var (where, e) in rows)
            {
                var eventName = String(e, "event_name") ?? throw new FieldValidationException(where, "event_name: is missing.");
                if (Bookkeeping.Contains(eventName))
                {
                    skipped++;
                    continue;
                }

                var micros = e.TryGetProperty("event_timestamp", out var t) && (t.ValueKind == JsonValueKind.Number ? t.TryGetInt64(out var n) : long.TryParse(t.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out n)) ? n
                    : throw new FieldValidationException(where, "event_timestamp: is not a number of microseconds.");
                var visitor = String(e, "user_pseudo_id") is { Length: > 0 } id ? id : throw new FieldValidationException(where, "user_pseudo_id: is missing.");
                var location = Param(e, "page_location");
                Uri.TryCreate(location, UriKind.Absolute, out var page);
                var referrer = Param(e, "page_referrer") ?? string.Empty;
                var device = e.TryGetProperty("device", out var d) ? d : default;
                var web = device.ValueKind == JsonValueKind.Object && device.TryGetProperty("web_info", out var w) ? w : default;
                var geo = e.TryGetProperty("geo", out var g) ? g : default;
                var traffic = e.TryGetProperty("collected_traffic_source", out var c) ? c : default;
                var hostname = page?.Host ?? String(web, "hostname") ?? property.Domain;
                lines.Append(JsonSerializer.Serialize(new Dictionary<string, string>
                {
                    ["timestamp"] = DateTimeOffset.FromUnixTimeMilliseconds(micros / 1000).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                    ["name"] = eventName == "page_view" ? "pageview" : eventName,
                    ["hostname"] = hostname,
                    ["pathname"] = page?.AbsolutePath ?? "/",
                    ["referrer"] = Uri.TryCreate(referrer, UriKind.Absolute, out var from) && !string.Equals(from.Host, hostname, StringComparison.OrdinalIgnoreCase) ? referrer : string.Empty,
                    ["utm_source"] = String(traffic, "manual_source") ?? string.Empty,
                    ["utm_medium"] = String(traffic, "manual_medium") ?? string.Empty,
                    ["utm_campaign"] = String(traffic, "manual_campaign_name") ?? string.Empty,
                    ["utm_content"] = String(traffic, "manual_content") ?? string.Empty,
                    ["utm_term"] = String(traffic, "manual_term") ?? string.Empty,
                    ["country_code"] = String(geo, "country") is { Length: > 0 } country ? countryCode(country) ?? string.Empty : string.Empty,
                    ["region"] = String(geo, "region") ?? string.Empty,
                    ["city"] = String(geo, "city") ?? string.Empty,
                    ["browser"] = String(web, "browser") ?? string.Empty,
                    ["os"] = String(device, "operating_system") ?? string.Empty,
                    ["device_type"] = String(device, "category") ?? string.Empty,
                    ["locale"] = String(device, "language") ?? string.Empty,
                    ["page_title"] = Param(e, "page_title") ?? string.Empty,
                    ["visitor_id"] = "ga4:" + visitor, // a string id: hashed by the import
                })).Append('\n');
                kept++;
            }
        }

        progress($"Read {kept:N0} events from GA4's export ({skipped:N0} of GA4's own events left out: session_start, first_visit, user_engagement, scroll); they become {property.Domain}'s own events, with user_pseudo_id hashed into visitor ids.");
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(lines.ToString()));
        return await EventImport.RunAsync(clickHouse, property, stream, progress, cancellationToken);
    }

    /// <summary>A JSON lines export's events, each with where it is (file and line).</summary>
    private static IEnumerable<(string Where, JsonElement Event)> JsonLines(string name, byte[] bytes)
    {
        var number = 0;
        foreach (var text in Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF').Split('\n'))
        {
            number++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var where = $"{name} line {number}";
            JsonElement e;
            try
            {
                using var document = JsonDocument.Parse(text);
                e = document.RootElement.Clone();
            }
            catch (JsonException x)
            {
                throw new FieldValidationException(where, $"is not JSON: {x.Message}");
            }

            yield return (where, e);
        }
    }

    /// <summary>A Parquet export's events (the columns <see cref="Ga4Event"/> names; others are not read), each as the JSON export has it, with its row.</summary>
    private static async Task<List<(string Where, JsonElement Event)>> ParquetRowsAsync(string name, byte[] bytes, CancellationToken cancellationToken)
    {
        IList<Ga4Event> rows;
        try
        {
            using var stream = new MemoryStream(bytes);
            rows = (await Parquet.Serialization.ParquetSerializer.DeserializeAsync<Ga4Event>(stream, cancellationToken: cancellationToken)).Data;
        }
        catch (Exception x) when (x is IOException or InvalidDataException or InvalidOperationException or NotSupportedException or ArgumentException or Parquet.ParquetException)
        {
            throw new FieldValidationException(name, $"is not GA4's export as Parquet: {x.Message}");
        }

        return [.. rows.Select((row, i) => ($"{name} row {i + 1}", JsonSerializer.SerializeToElement(row)))];
    }

    /// <summary>The columns of GA4's BigQuery export the import reads, named and nested as its schema has them.</summary>
    private sealed class Ga4Event
    {
        [JsonPropertyName("event_name")] public string? EventName { get; set; }

        [JsonPropertyName("event_timestamp")] public long? EventTimestamp { get; set; }

        [JsonPropertyName("user_pseudo_id")] public string? UserPseudoId { get; set; }

        [JsonPropertyName("event_params")] public List<Ga4Param>? EventParams { get; set; }

        [JsonPropertyName("device")] public Ga4Device? Device { get; set; }

        [JsonPropertyName("geo")] public Ga4Geo? Geo { get; set; }

        [JsonPropertyName("collected_traffic_source")] public Ga4TrafficSource? CollectedTrafficSource { get; set; }
    }

    private sealed class Ga4Param
    {
        [JsonPropertyName("key")] public string? Key { get; set; }

        [JsonPropertyName("value")] public Ga4Value? Value { get; set; }
    }

    private sealed class Ga4Value
    {
        [JsonPropertyName("string_value")] public string? StringValue { get; set; }
    }

    private sealed class Ga4Device
    {
        [JsonPropertyName("category")] public string? Category { get; set; }

        [JsonPropertyName("operating_system")] public string? OperatingSystem { get; set; }

        [JsonPropertyName("language")] public string? Language { get; set; }

        [JsonPropertyName("web_info")] public Ga4WebInfo? WebInfo { get; set; }
    }

    private sealed class Ga4WebInfo
    {
        [JsonPropertyName("browser")] public string? Browser { get; set; }

        [JsonPropertyName("hostname")] public string? Hostname { get; set; }
    }

    private sealed class Ga4Geo
    {
        [JsonPropertyName("country")] public string? Country { get; set; }

        [JsonPropertyName("region")] public string? Region { get; set; }

        [JsonPropertyName("city")] public string? City { get; set; }
    }

    private sealed class Ga4TrafficSource
    {
        [JsonPropertyName("manual_source")] public string? ManualSource { get; set; }

        [JsonPropertyName("manual_medium")] public string? ManualMedium { get; set; }

        [JsonPropertyName("manual_campaign_name")] public string? ManualCampaignName { get; set; }

        [JsonPropertyName("manual_content")] public string? ManualContent { get; set; }

        [JsonPropertyName("manual_term")] public string? ManualTerm { get; set; }
    }

    private static string? String(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>An event parameter's string value (<c>event_params: [{key, value: {string_value}}]</c>).</summary>
    private static string? Param(JsonElement e, string key)
    {
        if (!e.TryGetProperty("event_params", out var parameters) || parameters.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var parameter in parameters.EnumerateArray())
        {
            if (String(parameter, "key") == key && parameter.TryGetProperty("value", out var value))
            {
                return String(value, "string_value");
            }
        }

        return null;
    }
}
