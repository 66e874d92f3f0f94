using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Analytics.Ingest.Collect;

/// <summary>The body of <c>POST /api/event</c> as the OpenAPI document describes it (the handler reads it itself).</summary>
public sealed record CollectRequestDocument(
    [property: JsonPropertyName("n"), Description("Event name: pageview, engagement, or a custom name (at most 120 characters).")] string N,
    [property: JsonPropertyName("u"), Description("The page URL (absolute, at most 2,000 bytes).")] string U,
    [property: JsonPropertyName("d"), Description("The property's domain; a comma-separated list sends to several properties.")] string D,
    [property: JsonPropertyName("r"), Description("The document's referrer.")] string? R,
    [property: JsonPropertyName("p"), Description("Custom properties (also accepted as 'props'): at most 30, values strings, numbers or booleans.")] Dictionary<string, string>? P,
    [property: JsonPropertyName("revenue"), Description("Revenue of the event: {\"amount\": 12.5, \"currency\": \"EUR\"}.")] Dictionary<string, string>? Revenue,
    [property: JsonPropertyName("h"), Description("Hash-based routing: the URL's #fragment is part of the page path.")] bool? H,
    [property: JsonPropertyName("i"), Description("Whether the event was caused by the visitor (interactive).")] bool? I,
    [property: JsonPropertyName("sd"), Description("Engagement events: maximum scroll depth, 0 to 100.")] int? Sd,
    [property: JsonPropertyName("e"), Description("Engagement events: engaged time in milliseconds.")] long? E,
    [property: JsonPropertyName("w"), Description("Viewport width in CSS pixels (for the screen size class).")] int? W,
    [property: JsonPropertyName("m"), Description("Page metadata for content reports: {\"type\", \"author\", \"categories\": [...], \"tags\": [...]}.")] Dictionary<string, object>? M);
