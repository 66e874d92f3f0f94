using System.ComponentModel;
using System.Globalization;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;
using Analytics.Api.Reports;
using Microsoft.AspNetCore.Mvc;
using NodaTime;

namespace Analytics.Api;

/// <summary>The query-string parameters every native report endpoint shares, and their translation into a <see cref="ReportQuery"/>.</summary>
internal sealed record ReportParameters
{
    [FromQuery(Name = "period")]
    [Description("The date range in the property's time zone: today, yesterday, 7d, 28d, 30d, month (to date), last_month, 6mo, 12mo, year (to date), all, or custom with `from` and `to`. Default 30d.")]
    [DefaultValue("30d")]
    public string? Period { get; init; }

    [FromQuery(Name = "from")]
    [Description("With period=custom: the first local day (2024-03-01), or an instant with its offset (2024-03-01T09:00:00+05:45) for a range of instants.")]
    public string? From { get; init; }

    [FromQuery(Name = "to")]
    [Description("With period=custom: the last local day, included (2024-03-31), or the end instant, excluded.")]
    public string? To { get; init; }

    [FromQuery(Name = "compare")]
    [Description("Compare with the previous_period or the year_over_year; each row then carries its comparison and % change.")]
    public string? Compare { get; init; }

    [FromQuery(Name = "filters")]
    [Description("A JSON filter list as in Plausible's Stats API v2: [[\"is\",\"visit:country\",[\"DE\"]],[\"contains\",\"event:page\",[\"/blog\"],{\"case_sensitive\":false}]]; also [\"and\"|\"or\",[...]] and [\"not\",filter].")]
    public string? Filters { get; init; }

    internal async Task<(ReportQuery Query, ReportRange? Comparison)> ToQueryAsync(Property property, IReadOnlyList<Metric> metrics, EventFacts facts, Instant now, CancellationToken cancellationToken)
    {
        var (query, comparison, _) = await new ReportRequest(Period, From, To, Compare, Filters).ToQueryAsync(property, metrics, facts, now, cancellationToken);
        return (query, comparison);
    }

    /// <summary>"visitors:desc,visit:country:asc": a field, then optionally its direction (metrics default to descending).</summary>
    internal static IReadOnlyList<OrderBy> ParseOrder(string? text) => (text ?? string.Empty)
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(part =>
        {
            var colon = part.LastIndexOf(':');
            var direction = colon > 0 ? part[(colon + 1)..] : string.Empty;
            return direction switch
            {
                "asc" => new OrderBy(part[..colon], false),
                "desc" => new OrderBy(part[..colon], true),
                _ => new OrderBy(part, Metrics.TryParse(part, out _)),
            };
        }).ToList();

    internal static int Number(string? text, string field, int fallback, int min, int max)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FieldValidationException(field, $"'{text}' is not a whole number from {min} to {max}.");
    }
}
