using System.Globalization;
using System.Text;
using System.Text.Json;
using Analytics.Ingest.Enrichment;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;

namespace Analytics.Ingest.Transfer;

/// <summary>
/// Imports Umami's data export (its CSV of <c>website_event</c> rows, in a zip, a folder or one file) as this property's
/// own events: Umami keeps raw events, so they become native events (not imported aggregates), through
/// <see cref="EventImport"/>: every row checked first (an error names the file, line and field), sessions rebuilt with
/// the 30-minute rule, and the same file again stored once. Umami's session id becomes the visitor id, hashed (never
/// kept as it was); the source comes from the referrer's domain as collect would name it.
/// </summary>
public static class UmamiImport
{
    public const string Source = "umami";

    private static readonly string[] Required = ["session_id", "created_at", "event_type", "url_path"];

    public static async Task<long> RunAsync(IClickHouse clickHouse, Property property, string path, Action<string> progress, CancellationToken cancellationToken)
    {
        var files = ExportFiles.Read(path).Where(f => f.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)).ToList();
        if (files.Count == 0)
        {
            throw new FieldValidationException("path", $"{path} has no .csv file: give Umami's data export (its zip, its folder, or its CSV).");
        }

        var referrers = await ReferrerSources.LoadAsync(progress, cancellationToken);
        var lines = new StringBuilder();
        var count = 0;
        foreach (var (name, bytes) in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var rows = ExportFiles.Csv(bytes).ToList();
            var header = rows.Count > 0 ? rows[0].Fields : [];
            if (Required.FirstOrDefault(c => !header.Contains(c)) is { } missing)
            {
                throw new FieldValidationException($"{Path.GetFileName(name)} line 1", $"the header has no column '{missing}' (Umami's export has {string.Join(", ", Required)} and more).");
            }

            var at = header.Select((column, i) => (column, i)).ToDictionary(x => x.column, x => x.i, StringComparer.Ordinal);
            foreach (var (fields, line) in rows.Skip(1))
            {
                string Field(string column) => at.TryGetValue(column, out var i) && i < fields.Count ? fields[i] : string.Empty;
                var where = $"{Path.GetFileName(name)} line {line}";
                if (!DateTime.TryParse(Field("created_at"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var created))
                {
                    throw new FieldValidationException(where, $"created_at: '{Field("created_at")}' is not a time.");
                }

                var eventName = Field("event_type") switch
                {
                    "1" => "pageview",
                    "2" when Field("event_name").Length > 0 => Field("event_name"),
                    var other => throw new FieldValidationException(where, $"event_type: '{other}' is not a pageview (1) or a custom event (2) with an event_name."),
                };
                if (Field("session_id").Length == 0)
                {
                    throw new FieldValidationException(where, "session_id: is empty.");
                }

                var hostname = Field("hostname").Length > 0 ? Field("hostname") : property.Domain;
                var referrer = Field("referrer_domain") is { Length: > 0 } domain ? $"https://{domain}{Field("referrer_path")}" : string.Empty;
                var source = referrer.Length > 0 && Uri.TryCreate(referrer, UriKind.Absolute, out var uri) ? referrers.Classify(uri, hostname, null) : string.Empty;
                lines.Append(JsonSerializer.Serialize(new Dictionary<string, string>
                {
                    ["timestamp"] = created.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                    ["name"] = eventName,
                    ["hostname"] = hostname,
                    ["pathname"] = Field("url_path").Length > 0 ? Field("url_path") : "/",
                    ["referrer"] = referrer,
                    ["referrer_source"] = source,
                    ["utm_source"] = Field("utm_source"),
                    ["utm_medium"] = Field("utm_medium"),
                    ["utm_campaign"] = Field("utm_campaign"),
                    ["utm_content"] = Field("utm_content"),
                    ["utm_term"] = Field("utm_term"),
                    ["country_code"] = Field("country").ToUpperInvariant(),
                    ["city"] = Field("city"),
                    ["browser"] = Browser(Field("browser")),
                    ["os"] = Os(Field("os")),
                    ["device_type"] = Field("device") is "laptop" or "desktop" ? "desktop" : Field("device"),
                    ["locale"] = Field("language"),
                    ["page_title"] = Field("page_title"),
                    ["visitor_id"] = "umami:" + Field("session_id"), // a string id: hashed by the import
                })).Append('\n');
                count++;
            }
        }

        progress($"Read {count:N0} events from Umami's export; they become {property.Domain}'s own events (Umami keeps raw events), with its session ids hashed into visitor ids.");
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(lines.ToString()));
        return await EventImport.RunAsync(clickHouse, property, stream, progress, cancellationToken);
    }

    /// <summary>Umami's browser names (detect-browser's) as collect names them.</summary>
    private static string Browser(string name) => name switch
    {
        "chrome" or "crios" => "Chrome",
        "firefox" or "fxios" => "Firefox",
        "safari" => "Safari",
        "ios" => "Mobile Safari",
        "edge" or "edge-chromium" or "edge-ios" => "Edge",
        "opera" => "Opera",
        "samsung" => "Samsung Internet",
        "" => string.Empty,
        _ => char.ToUpperInvariant(name[0]) + name[1..],
    };

    private static string Os(string name) => name switch
    {
        "Mac OS" => "Mac OS X",
        "Android OS" => "Android",
        "Windows 10" or "Windows 7" or "Windows 8" or "Windows 8.1" or "Windows 11" => "Windows",
        _ => name,
    };
}
