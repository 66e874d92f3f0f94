using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Analytics.Storage.ClickHouse;
using Analytics.Ingest.Enrichment;
using Analytics.Ingest.Events;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;
using Analytics.Ingest.Sessions;
using NodaTime;

namespace Analytics.Ingest.Transfer;

/// <summary>
/// Loads raw events from JSONL (the export's format; also how history from other tools is backfilled), keeping their
/// timestamps. The whole file is checked before anything is written: a bad line stops the import with its line number
/// and field, and nothing is stored. Sessions are rebuilt with the 30-minute rule and deterministic ids, and each
/// batch's deduplication token is a hash of its rows, so importing the same file twice stores it once.
/// </summary>
public static class EventImport
{
    public const int BatchSize = 10_000;

    public static async Task<long> RunAsync(IClickHouse clickHouse, Property property, Stream input, Action<string> progress, CancellationToken cancellationToken)
    {
        var rows = new List<EventRow>();
        using (var reader = new StreamReader(input, Encoding.UTF8))
        {
            var number = 0;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                number++;
                if (!string.IsNullOrWhiteSpace(line))
                {
                    rows.Add(ParseLine(line, number, (ulong)property.Id, property.Days));
                }
            }
        }

        if (rows.Any(r => r.Channel.Length == 0))
        {
            // Lines from before channels were exported, or from other tools: classified as collect classifies them.
            var referrers = await ReferrerSources.LoadAsync(progress, cancellationToken);
            rows = rows.Select(r => r.Channel.Length > 0 ? r : r with { Channel = referrers.Channel(r.ReferrerSource, r.UtmMedium, r.UtmCampaign, r.UtmSource, r.ClickIdParam) }).ToList();
        }

        progress($"Read {rows.Count:N0} events; assigning sessions.");
        // Stable orderings only: the same file must make the same batches, byte for byte, or its tokens would differ.
        var tracker = new SessionTracker();
        var assigned = rows.OrderBy(r => r.VisitorId).ThenBy(r => r.Timestamp)
            .Select(tracker.Assign).OfType<EventRow>()
            .OrderBy(r => r.Timestamp).ThenBy(r => r.VisitorId).ToList();
        long written = 0;
        foreach (var batch in assigned.Chunk(BatchSize))
        {
            var bytes = ClickHouseJson.Encode(batch);
            var token = "import-" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..32];
            await clickHouse.InsertAsync("events", bytes, ClickHouseSettings.Deduplicated(token), cancellationToken);
            written += batch.Length;
            progress($"  {written:N0} of {assigned.Count:N0} events");
        }

        if (assigned.Count < rows.Count)
        {
            progress($"Skipped {rows.Count - assigned.Count:N0} engagement events that belong to no session.");
        }

        return written;
    }

    private static EventRow ParseLine(string line, int number, ulong propertyId, DateTimeZone dayZone)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new FieldValidationException($"line {number}", $"is not a JSON object: {e.Message}");
        }

        using (document)
        {
            var o = document.RootElement;
            if (o.ValueKind != JsonValueKind.Object)
            {
                throw new FieldValidationException($"line {number}", "is not a JSON object");
            }

            string Text(string field, bool required = false)
            {
                if (o.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String)
                {
                    return v.GetString()!;
                }

                if (required || (o.TryGetProperty(field, out v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)))
                {
                    throw new FieldValidationException($"line {number}: {field}", required ? "is required (a string)" : "must be a string");
                }

                return string.Empty;
            }

            var timestampText = Text("timestamp", required: true);
            if (!DateTime.TryParse(timestampText, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var timestamp))
            {
                throw new FieldValidationException($"line {number}: timestamp", $"'{timestampText}' is not an ISO 8601 time");
            }

            var name = Text("name", required: true);
            if (name.Length is 0 or > 120)
            {
                throw new FieldValidationException($"line {number}: name", "must be 1 to 120 characters");
            }

            var props = new Dictionary<string, string>();
            if (o.TryGetProperty("props", out var p) && p.ValueKind == JsonValueKind.Object)
            {
                foreach (var prop in p.EnumerateObject())
                {
                    props[prop.Name] = prop.Value.ValueKind == JsonValueKind.String ? prop.Value.GetString()! : prop.Value.GetRawText();
                }
            }

            return new EventRow
            {
                PropertyId = propertyId,
                DayZone = dayZone,
                Timestamp = timestamp,
                Name = name,
                VisitorId = Visitor(o, number),
                Hostname = Text("hostname"),
                Pathname = Text("pathname") is { Length: > 0 } path ? path : "/",
                Referrer = Text("referrer"),
                ReferrerSource = Text("referrer_source"),
                UtmSource = Text("utm_source"),
                UtmMedium = Text("utm_medium"),
                UtmCampaign = Text("utm_campaign"),
                UtmContent = Text("utm_content"),
                UtmTerm = Text("utm_term"),
                ClickIdParam = Text("click_id_param"),
                Channel = Text("channel"),
                CountryCode = Text("country_code"),
                Region = Text("region"),
                City = Text("city"),
                Browser = Text("browser"),
                BrowserVersion = Text("browser_version"),
                Os = Text("os"),
                OsVersion = Text("os_version"),
                DeviceType = Text("device_type"),
                ScreenSize = Text("screen_size"),
                Locale = Text("locale"),
                Props = props,
                RevenueAmount = Number(o, "revenue_amount", number) is { } amount ? (decimal)amount : 0,
                RevenueCurrency = Text("revenue_currency"),
                ScrollDepth = (byte)Math.Clamp(Number(o, "scroll_depth", number) ?? 0, 0, 100),
                EngagementMs = (uint)Math.Clamp(Number(o, "engagement_ms", number) ?? 0, 0, uint.MaxValue),
                ContentType = Text("content_type"),
                Author = Text("author"),
                PageTitle = Text("page_title"),
                Categories = Strings(o, "categories"),
                Tags = Strings(o, "tags"),
            };
        }
    }

    /// <summary>visitor_id as exported (a number, or a string of one), or any other string id, hashed.</summary>
    private static ulong Visitor(JsonElement o, int number)
    {
        if (!o.TryGetProperty("visitor_id", out var v))
        {
            throw new FieldValidationException($"line {number}: visitor_id", "is required (a number or a string that identifies the visitor)");
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetUInt64(out var id))
        {
            return id;
        }

        if (v.ValueKind == JsonValueKind.String)
        {
            var text = v.GetString()!;
            return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id)
                ? id
                : BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        }

        throw new FieldValidationException($"line {number}: visitor_id", "must be a number or a string");
    }

    private static double? Number(JsonElement o, string field, int number)
    {
        if (!o.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number)
        {
            return v.GetDouble();
        }

        if (v.ValueKind == JsonValueKind.String && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }

        throw new FieldValidationException($"line {number}: {field}", "must be a number");
    }

    private static List<string> Strings(JsonElement o, string field)
        => o.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String).Select(i => i.GetString()!).ToList()
            : [];
}
