using Analytics.Storage.Hosting;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Analytics.ServiceDefaults;

namespace Analytics.Ingest.Collect;

/// <summary>
/// Reads <c>POST /api/event</c> bodies in Plausible's Events API format (JSON with any content type) and checks every
/// field, collecting one message per bad field so a client can fix all of them at once. Unknown fields are ignored.
/// Fields go by Plausible's short names or its long ones (<c>n</c> or <c>name</c>, <c>u</c>/<c>url</c>,
/// <c>d</c>/<c>domain</c>, <c>r</c>/<c>referrer</c>, <c>p</c>/<c>props</c>/<c>m</c>/<c>meta</c>, <c>$</c>/<c>revenue</c>,
/// <c>h</c>/<c>hashMode</c>, <c>i</c>/<c>interactive</c>); errors name the field as it was sent.
/// </summary>
internal static class CollectRequestParser
{
    public const int MaxNameLength = 120;
    public const int MaxUrlBytes = 2_000;
    public const int MaxProps = 30;
    public const int MaxPropKeyLength = 300;
    public const int MaxPropValueLength = 2_000;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 8 };

    /// <summary>The request, or null with <paramref name="errors"/> naming each bad field.</summary>
    public static CollectRequest? Parse(ReadOnlySpan<byte> body, out Dictionary<string, string[]> errors)
    {
        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        JsonDocument document;
        try
        {
            document = StrictJson.Parse(body.ToArray(), DocumentOptions);
        }
        catch (JsonException e)
        {
            errors["body"] = [$"is not valid JSON: {e.Message}"];
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors["body"] = ["must be a JSON object such as {\"n\":\"pageview\",\"u\":\"https://example.com/\",\"d\":\"example.com\"}"];
                return null;
            }

            var e = errors;
            void Fail(string field, string message) => e[field] = [message];

            var nameField = Named(root, "n", "name");
            var name = RequiredString(root, nameField, Fail);
            if (name is not null && (name.Length == 0 || name.Length > MaxNameLength))
            {
                Fail(nameField, $"must be 1 to {MaxNameLength} characters (pageview, engagement, or a custom event name)");
            }

            Uri? url = null;
            var urlField = Named(root, "u", "url");
            var urlText = RequiredString(root, urlField, Fail);
            if (urlText is not null)
            {
                if (Encoding.UTF8.GetByteCount(urlText) > MaxUrlBytes)
                {
                    Fail(urlField, $"must be at most {MaxUrlBytes} bytes");
                }
                else if (!Uri.TryCreate(urlText, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https"))
                {
                    Fail(urlField, "must be the page's absolute http(s) URL");
                    url = null;
                }
            }

            var domains = new List<string>();
            var domainField = Named(root, "d", "domain");
            var domainText = RequiredString(root, domainField, Fail);
            if (domainText is not null)
            {
                domains.AddRange(domainText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                if (domains.Count == 0 || domains.Count > 10 || domains.Any(d => d.Length > 253))
                {
                    Fail(domainField, "must name the property's domain (up to 10, comma-separated)");
                }
            }

            Uri? referrer = null;
            var referrerField = Named(root, "r", "referrer");
            if (OptionalString(root, referrerField, Fail) is { Length: > 0 } referrerText)
            {
                if (Encoding.UTF8.GetByteCount(referrerText) > MaxUrlBytes)
                {
                    Fail(referrerField, $"must be at most {MaxUrlBytes} bytes");
                }
                else
                {
                    Uri.TryCreate(referrerText, UriKind.Absolute, out referrer); // an unreadable referrer is no referrer
                }
            }

            var props = Props(root, Fail);
            var (amount, currency) = Revenue(root, Fail);
            var scroll = OptionalInteger(root, "sd", 0, 100, Fail);
            var engaged = OptionalInteger(root, "e", 0, 86_400_000, Fail);
            var width = OptionalInteger(root, "w", 0, 100_000, Fail);
            var hash = OptionalBoolean(root, Named(root, "h", "hashMode"), Fail);
            var interactive = OptionalBoolean(root, Named(root, "i", "interactive"), Fail);
            var meta = Metadata(root, Fail);
            var ignored = OptionalString(root, "ignored", Fail);
            if (ignored is not (null or "localhost" or "automated-browser"))
            {
                Fail("ignored", "must be localhost or automated-browser (the reason the tracker did not record the page)");
            }

            if (errors.Count > 0)
            {
                return null;
            }

            return new CollectRequest
            {
                Name = name!,
                Url = url!,
                Domains = domains,
                Referrer = referrer,
                Props = props,
                RevenueAmount = amount,
                RevenueCurrency = currency,
                HashRouting = hash ?? false,
                Interactive = interactive,
                ScrollDepth = (byte)(scroll ?? 0),
                EngagedMs = (uint)(engaged ?? 0),
                ScreenWidth = width is null ? null : (int)width,
                ContentType = meta.Type,
                Author = meta.Author,
                Categories = meta.Categories,
                Tags = meta.Tags,
                Ignored = ignored,
            };
        }
    }

    private static string? RequiredString(JsonElement root, string field, Action<string, string> fail)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            fail(field, field switch
            {
                "n" => "is required (or name): the event name (pageview, engagement, or a custom name)",
                "u" => "is required (or url): the page URL",
                _ => "is required (or domain): the property's domain",
            });
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            fail(field, "must be a string");
            return null;
        }

        return value.GetString();
    }

    /// <summary>The name a client gave a field: Plausible's short one, or else its long one (the short one when neither is there).</summary>
    private static string Named(JsonElement root, string brief, string full) => root.TryGetProperty(brief, out _) || !root.TryGetProperty(full, out _) ? brief : full;

    private static string? OptionalString(JsonElement root, string field, Action<string, string> fail)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            fail(field, "must be a string");
            return null;
        }

        return value.GetString();
    }

    private static long? OptionalInteger(JsonElement root, string field, long min, long max, Action<string, string> fail)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && number >= min && number <= max)
        {
            return (long)Math.Round(number);
        }

        fail(field, $"must be a number from {min} to {max}");
        return null;
    }

    private static bool? OptionalBoolean(JsonElement root, string field, Action<string, string> fail)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.Number when value.TryGetInt32(out var n) && n is 0 or 1:
                return n == 1;
            default:
                fail(field, "must be true or false (or 1 or 0)");
                return null;
        }
    }

    /// <summary>
    /// Custom properties: <c>p</c>, <c>props</c>, <c>meta</c> or <c>m</c> (unless <c>m</c> is our page metadata), an
    /// object (or, as older trackers send it, a JSON string of one).
    /// </summary>
    private static Dictionary<string, string> Props(JsonElement root, Action<string, string> fail)
    {
        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonElement value = default;
        var field = PropsFields.FirstOrDefault(f => root.TryGetProperty(f, out value) && (f != "m" || !IsPageMetadata(value)));
        if (field is null || value.ValueKind == JsonValueKind.Null)
        {
            return props;
        }

        JsonDocument? parsed = null;
        try
        {
            if (value.ValueKind == JsonValueKind.String)
            {
                try
                {
                    parsed = StrictJson.Parse(value.GetString() ?? "{}", DocumentOptions);
                    value = parsed.RootElement;
                }
                catch (JsonException)
                {
                    fail(field, "must be an object of custom properties");
                    return props;
                }
            }

            if (value.ValueKind != JsonValueKind.Object)
            {
                fail(field, "must be an object of custom properties");
                return props;
            }

            foreach (var prop in value.EnumerateObject())
            {
                var text = prop.Value.ValueKind switch
                {
                    JsonValueKind.String => prop.Value.GetString(),
                    JsonValueKind.Number => prop.Value.GetRawText(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => null,
                };
                if (prop.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    fail($"{field}.{Truncate(prop.Name)}", "must be a string, number or boolean");
                }
                else if (prop.Name.Length is 0 or > MaxPropKeyLength)
                {
                    fail($"{field}.{Truncate(prop.Name)}", $"property names must be 1 to {MaxPropKeyLength} characters");
                }
                else if (text is { Length: > MaxPropValueLength })
                {
                    fail($"{field}.{prop.Name}", $"must be at most {MaxPropValueLength} characters");
                }
                else if (text is { Length: > 0 })
                {
                    props[prop.Name] = text;
                }
            }
        }
        finally
        {
            parsed?.Dispose();
        }

        if (props.Count > MaxProps)
        {
            fail(field, $"at most {MaxProps} custom properties per event");
        }

        return props;
    }

    /// <summary>Revenue: <c>revenue</c> or <c>$</c> (as Plausible's tracker sends it), an object or a JSON string of one.</summary>
    private static (decimal Amount, string Currency) Revenue(JsonElement root, Action<string, string> fail)
    {
        var field = Named(root, "$", "revenue");
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return (0, string.Empty);
        }

        using var parsed = value.ValueKind == JsonValueKind.String ? TryParse(value.GetString()!) : null;
        if (parsed is not null)
        {
            value = parsed.RootElement;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            fail(field, "must be an object {\"amount\": 12.5, \"currency\": \"EUR\"}");
            return (0, string.Empty);
        }

        decimal amount = 0;
        if (!value.TryGetProperty("amount", out var a)
            || !(a.ValueKind == JsonValueKind.Number ? a.TryGetDecimal(out amount)
                : a.ValueKind == JsonValueKind.String && decimal.TryParse(a.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out amount))
            || Math.Abs(amount) >= 1_000_000_000_000m)
        {
            fail($"{field}.amount", "must be a number (or a numeric string) below 10^12");
        }

        var currency = value.TryGetProperty("currency", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()!.Trim().ToUpperInvariant() : null;
        if (currency is null || currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
        {
            fail($"{field}.currency", "must be a three-letter ISO 4217 code such as EUR");
            currency = string.Empty;
        }

        return (Math.Round(amount, 6), currency);
    }

    /// <summary>Where custom properties may come, in this order.</summary>
    private static readonly string[] PropsFields = ["p", "props", "meta", "m"];

    /// <summary>The keys of our page metadata in <c>m</c>.</summary>
    private static readonly string[] PageMetadataKeys = ["type", "author", "categories", "tags"];

    /// <summary>
    /// Whether <c>m</c> holds our page metadata (an object of only its keys), not custom properties as Plausible's
    /// tracker sends them in <c>m</c> (a JSON string, or an object of any other keys).
    /// </summary>
    private static bool IsPageMetadata(JsonElement m) => m.ValueKind == JsonValueKind.Object && m.EnumerateObject().All(p => PageMetadataKeys.Contains(p.Name, StringComparer.Ordinal));

    private static JsonDocument? TryParse(string json)
    {
        try
        {
            return StrictJson.Parse(json, DocumentOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Page metadata for the content reports, in <c>m</c> (an extension of ours; Plausible clients simply do not send it):
    /// <c>{"type": "article", "author": "Ada", "categories": ["engineering"], "tags": ["clickhouse"]}</c>.
    /// </summary>
    private static (string Type, string Author, IReadOnlyList<string> Categories, IReadOnlyList<string> Tags) Metadata(JsonElement root, Action<string, string> fail)
    {
        if (!root.TryGetProperty("m", out var m) || !IsPageMetadata(m))
        {
            return (string.Empty, string.Empty, [], []);
        }

        string Text(string key, int max)
        {
            if (!m.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return string.Empty;
            }

            if (v.ValueKind != JsonValueKind.String || v.GetString()!.Length > max)
            {
                fail($"m.{key}", $"must be a string of at most {max} characters");
                return string.Empty;
            }

            return v.GetString()!.Trim();
        }

        List<string> List(string key, int maxItems)
        {
            if (!m.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            var items = v.ValueKind switch
            {
                JsonValueKind.String => v.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
                JsonValueKind.Array when v.EnumerateArray().All(i => i.ValueKind == JsonValueKind.String) => v.EnumerateArray().Select(i => i.GetString()!.Trim()).Where(i => i.Length > 0).ToList(),
                _ => null,
            };
            if (items is null || items.Count > maxItems || items.Any(i => i.Length > 200))
            {
                fail($"m.{key}", $"must be a list of at most {maxItems} strings (or one comma-separated string)");
                return [];
            }

            return items;
        }

        return (Text("type", 100), Text("author", 200), List("categories", 20), List("tags", 50));
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40];
}
