using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;
using Analytics.Api.Reports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using NodaTime.Text;
using Analytics.ServiceDefaults;

namespace Analytics.Api;

/// <summary>
/// Plausible's Stats API, so its clients work unchanged: <c>POST /api/v2/query</c> and the v1 GET endpoints. The
/// property is <c>site_id</c> (its domain). Anything we do not support answers 400 naming it. Date ranges follow
/// Plausible's definitions (which differ from the native API's: "30d" is today and the 30 days before it).
/// </summary>
internal static class PlausibleEndpoints
{
    private static readonly HashSet<string> QueryKeys = ["site_id", "metrics", "date_range", "dimensions", "filters", "order_by", "include", "pagination"];

    public static void Map(IEndpointRouteBuilder endpoints, Action<RouteGroupBuilder> secure)
    {
        var v2 = endpoints.MapGroup("/api/v2").WithTags("Plausible Stats API");
        secure(v2);
        v2.MapPost("/query", QueryAsync).WithName("PlausibleQuery")
            .WithSummary("Plausible Stats API v2 query.")
            .WithDescription("Plausible's request body (`site_id`, `metrics`, `date_range`, `dimensions`, `filters`, `order_by`, `include`, `pagination`) and response (`results` of `{metrics, dimensions}`, `meta`, `query`). Example body: `{\"site_id\":\"example.com\",\"metrics\":[\"visitors\"],\"date_range\":\"7d\",\"dimensions\":[\"visit:country\"]}`.")
            .Accepts<JsonObject>("application/json");

        var v1 = endpoints.MapGroup("/api/v1/stats").WithTags("Plausible Stats API");
        secure(v1);
        v1.MapGet("/realtime/visitors", RealtimeAsync).WithName("PlausibleRealtimeVisitors")
            .WithSummary("Plausible v1: visitors in the last 5 minutes, as a bare number.");
        v1.MapGet("/aggregate", AggregateAsync).WithName("PlausibleAggregate")
            .WithSummary("Plausible v1: aggregate metrics, `{\"results\": {\"visitors\": {\"value\": 1}}}`.");
        v1.MapGet("/timeseries", TimeseriesAsync).WithName("PlausibleTimeseries")
            .WithSummary("Plausible v1: metrics per day (interval=date), month or hour, `{\"results\": [{\"date\": ..., \"visitors\": 1}]}`.");
        v1.MapGet("/breakdown", BreakdownAsync).WithName("PlausibleBreakdown")
            .WithSummary("Plausible v1: metrics by one property (dimension), `{\"results\": [{\"source\": ..., \"visitors\": 1}]}`.");
    }

    /// <summary>
    /// The saved segments a query's filters may name (<c>["is", "segment", [id]]</c>): the property's shared ones and
    /// the key owner's personal ones; read only when the filters mention a segment.
    /// </summary>
    private static async Task<IReadOnlyList<Segment>?> SegmentsAsync(HttpContext http, SegmentStore segments, Property property, JsonElement filters, CancellationToken cancellationToken)
        => filters.ValueKind == JsonValueKind.Array && filters.GetRawText().Contains("\"segment\"", StringComparison.Ordinal)
            ? await segments.ListAsync(property.Id, ApiAccess.Key(http).UserId, cancellationToken)
            : null;

    private static async Task<IResult> QueryAsync(HttpContext http, ReportEngine engine, EventFacts facts, SegmentStore segments, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await StrictJson.ParseAsync(http.Request.Body, default, cancellationToken);
        }
        catch (JsonException e)
        {
            throw new FieldValidationException("body", $"is not JSON: {e.Message}");
        }

        using (document)
        {
            var body = document.RootElement;
            if (body.ValueKind != JsonValueKind.Object)
            {
                throw new FieldValidationException("body", "must be a JSON object.");
            }

            if (body.EnumerateObject().Select(p => p.Name).FirstOrDefault(name => !QueryKeys.Contains(name)) is { } unknown)
            {
                throw new FieldValidationException(unknown, $"'{unknown}' is not supported; the query takes {string.Join(", ", QueryKeys)}.");
            }

            var property = await ApiAccess.PropertyAsync(http, body.TryGetProperty("site_id", out var site) && site.ValueKind == JsonValueKind.String ? site.GetString() : null, "site_id");
            var now = ReportEndpoints.Now(http);
            var range = await Range(body.TryGetProperty("date_range", out var dr) ? dr : default, "date_range", property, facts, now, cancellationToken);
            var metrics = Strings(body, "metrics", required: true).Select((m, i) => Metrics.Parse(m, $"metrics[{i}]")).ToList();
            var dimensions = Strings(body, "dimensions", required: false).Select((d, i) => Dimension.Parse(d, $"dimensions[{i}]", TimeBuckets.Natural(range))).ToList();
            if (metrics.Contains(Metric.ViewsPerVisit) && dimensions.Count > 0)
            {
                // Plausible's query API refuses it with any dimension, time too (our dashboard's graph draws it by time).
                throw new FieldValidationException("metrics", $"views_per_visit cannot be queried with dimensions ({dimensions[0].Name}).");
            }

            var filters = body.TryGetProperty("filters", out var f) ? f : default;
            var include = body.TryGetProperty("include", out var inc) ? inc : default;
            var (timeLabels, totalRows, comparisonMode, imports) = Include(include);
            var (limit, offset) = Pagination(body);
            var query = new ReportQuery
            {
                PropertyId = property.Id,
                Zone = property.Zone,
                DayZone = property.Days,
                WeekStart = property.FirstDayOfWeek,
                Range = range,
                Metrics = metrics,
                Dimensions = dimensions,
                Filter = NativeValues(FilterJson.Parse(filters, segments: await SegmentsAsync(http, segments, property, filters, cancellationToken))),
                OrderBy = OrderBy(body),
                Limit = limit,
                Offset = offset,
                IncludeImports = imports,
            };
            var comparison = ReportRanges.Comparison(comparisonMode, range, property.Zone, DateRangeKind.CustomDates, "include.comparisons.mode");
            var result = await engine.RunAsync(query, comparison, cancellationToken);

            // Plausible leaves empty time buckets out (time_labels lists them all), unless it compares: then each bucket stays beside its comparison.
            var rows = comparison is null && dimensions.Count == 1 && dimensions[0].IsTime ? result.Rows.Where(r => r.Metrics.Any(m => m != 0)).ToList() : result.Rows;
            var meta = new JsonObject();
            if (timeLabels)
            {
                var time = dimensions.FirstOrDefault(d => d.IsTime) ?? throw new FieldValidationException("include.time_labels", "needs a time dimension.");
                meta["time_labels"] = new JsonArray(TimeBuckets.Split(range, property.Zone, time.Interval, property.FirstDayOfWeek)
                    .Select(b => (JsonNode?)TimeBuckets.LabelText(b, time.Interval)).DistinctBy(n => n!.GetValue<string>()).ToArray());
            }

            if (totalRows)
            {
                meta["total_rows"] = result.TotalRows;
            }

            if (ReportEndpoints.SamplePercent(result) is { } percent)
            {
                meta["sample_percent"] = percent; // ours: the range was too large to read whole (Reports:SampleAbove)
            }

            if (imports)
            {
                meta["imports_included"] = result.ImportsIncluded;
                if (result.ImportsSkipReason is { } reason)
                {
                    meta["imports_skip_reason"] = reason;
                    if (ImportsWarnings.GetValueOrDefault(reason) is { } warning)
                    {
                        meta["imports_warning"] = warning;
                    }
                }
            }

            var echo = JsonNode.Parse(body.GetRawText())!.AsObject();
            echo["date_range"] = new JsonArray(Iso(range.From, property.Zone), Iso(range.To - Duration.FromSeconds(1), property.Zone));
            var results = new JsonArray(rows.Select(r =>
            {
                var row = new JsonObject { ["metrics"] = Numbers(r.Metrics, metrics), ["dimensions"] = new JsonArray(r.Dimensions.Select((d, i) => (JsonNode?)PlausibleValue(dimensions[i], d)).ToArray()) };
                if (r.Comparison is { } c)
                {
                    row["comparison"] = new JsonObject
                    {
                        ["dimensions"] = new JsonArray(c.Dimensions.Select((d, i) => (JsonNode?)PlausibleValue(dimensions[i], d)).ToArray()),
                        ["metrics"] = Numbers(c.Metrics, metrics),
                        ["change"] = new JsonArray(r.Change!.Select(x => (JsonNode?)x).ToArray()),
                    };
                }

                return (JsonNode?)row;
            }).ToArray());
            return Results.Json(new JsonObject { ["results"] = results, ["meta"] = meta, ["query"] = echo });
        }
    }

    private static async Task<IResult> RealtimeAsync(HttpContext http, RealtimeQuery realtime, [FromQuery(Name = "site_id"), Description("The property's domain.")] string? siteId, CancellationToken cancellationToken)
    {
        var property = await ApiAccess.PropertyAsync(http, siteId, "site_id");
        return Results.Json((await realtime.ReadAsync(property.Id, ReportEndpoints.Now(http), cancellationToken)).Visitors);
    }

    private static async Task<IResult> AggregateAsync(HttpContext http, ReportEngine engine, EventFacts facts, [AsParameters] V1Parameters parameters, CancellationToken cancellationToken)
    {
        var (query, comparison) = await parameters.ToQueryAsync(http, facts, "visitors", cancellationToken);
        var result = await engine.RunAsync(query, comparison, cancellationToken);
        var row = result.Rows.Single();
        var results = new JsonObject();
        for (var i = 0; i < query.Metrics.Count; i++)
        {
            var value = new JsonObject { ["value"] = Number(row.Metrics[i], query.Metrics[i]) };
            if (row.Change is { } change)
            {
                value["change"] = change[i];
                value["comparison_value"] = Number(row.Comparison!.Metrics[i], query.Metrics[i]);
            }

            results[Metrics.Name(query.Metrics[i])] = value;
        }

        return Results.Json(new JsonObject { ["results"] = results });
    }

    private static async Task<IResult> TimeseriesAsync(HttpContext http, ReportEngine engine, EventFacts facts, [AsParameters] V1Parameters parameters,
        [FromQuery, Description("date (default), month, or hour (for a day).")] string? interval, CancellationToken cancellationToken)
    {
        var (query, _) = await parameters.ToQueryAsync(http, facts, "visitors", cancellationToken);
        var time = TimeBuckets.ParseInterval(interval, "interval") ?? TimeInterval.Day;
        var result = await engine.RunAsync(query with { Dimensions = [Dimension.Time(time)] }, cancellationToken);
        return Results.Json(new JsonObject { ["results"] = new JsonArray(result.Rows.Select(r => (JsonNode?)V1Row("date", r.Dimensions[0], r, query)).ToArray()) });
    }

    private static async Task<IResult> BreakdownAsync(HttpContext http, ReportEngine engine, EventFacts facts, [AsParameters] V1Parameters parameters,
        [FromQuery(Name = "property"), Description("The dimension, e.g. visit:source, event:page or event:props:plan.")] string? dimension,
        [FromQuery, Description("Rows per page, 1 to 1000 (default 100).")] string? limit,
        [FromQuery, Description("The page, from 1 (default 1).")] string? page,
        CancellationToken cancellationToken)
    {
        var (query, _) = await parameters.ToQueryAsync(http, facts, "visitors", cancellationToken);
        if (string.IsNullOrWhiteSpace(dimension))
        {
            throw new FieldValidationException("property", "name the property to break down by, e.g. visit:source.");
        }

        var d = Dimension.Parse(dimension, "property");
        var size = ReportParameters.Number(limit, "limit", 100, 1, 1000);
        var result = await engine.RunAsync(query with { Dimensions = [d], Limit = size, Offset = (ReportParameters.Number(page, "page", 1, 1, 1_000_000) - 1) * size }, cancellationToken);
        var name = d.Name[(d.Name.LastIndexOf(':') + 1)..];
        return Results.Json(new JsonObject { ["results"] = new JsonArray(result.Rows.Select(r => (JsonNode?)V1Row(name, PlausibleValue(d, r.Dimensions[0]), r, query)).ToArray()) });
    }

    /// <summary>Plausible's spelling of a value: device types capitalised ("Desktop"; the engine names blanks already).</summary>
    private static string PlausibleValue(Dimension dimension, string value) => dimension.Name switch
    {
        "visit:device" when value.Length > 0 && value != Dimension.NotSet => char.ToUpperInvariant(value[0]) + value[1..],
        _ => value,
    };

    /// <summary>Filter values in Plausible's spelling, in ours (device types are lower case).</summary>
    private static Filter? NativeValues(Filter? filter) => filter switch
    {
        Condition { Operator: not (FilterOperator.Matches or FilterOperator.MatchesNot), Dimension.Name: "visit:device" } c => c with { Values = c.Values.Select(v => v.ToLowerInvariant()).ToList() },
        AllOf all => new AllOf(all.Filters.Select(f => NativeValues(f)!).ToList()),
        AnyOf any => new AnyOf(any.Filters.Select(f => NativeValues(f)!).ToList()),
        Not not => new Not(NativeValues(not.Filter)!),
        _ => filter,
    };

    private static JsonObject V1Row(string name, string value, ResultRow row, ReportQuery query)
    {
        var json = new JsonObject { [name] = value };
        for (var i = 0; i < query.Metrics.Count; i++)
        {
            json[Metrics.Name(query.Metrics[i])] = Number(row.Metrics[i], query.Metrics[i]);
        }

        return json;
    }

    /// <summary>The v1 endpoints' shared parameters.</summary>
    internal sealed record V1Parameters
    {
        [FromQuery(Name = "site_id"), Description("The property's domain.")]
        public string? SiteId { get; init; }

        [FromQuery(Name = "period"), Description("day, 7d, 28d, 30d, 91d, month, 6mo, 12mo, year, all, or custom (with date=YYYY-MM-DD,YYYY-MM-DD). Default 30d.")]
        public string? Period { get; init; }

        [FromQuery(Name = "date"), Description("For custom: the first and last day, comma-separated; otherwise the day the period ends on (default today).")]
        public string? Date { get; init; }

        [FromQuery(Name = "metrics"), Description("Comma-separated metrics (default visitors).")]
        public string? Metrics { get; init; }

        [FromQuery(Name = "filters"), Description("v1 filters (visit:browser==Firefox;visit:os!=Mac, values joined with |, ~ for contains) or a v2 JSON filter list.")]
        public string? Filters { get; init; }

        [FromQuery(Name = "compare"), Description("previous_period (or year_over_year), or nothing.")]
        public string? Compare { get; init; }

        [FromQuery(Name = "with_imported"), Description("true to merge imported history where the query allows (as include.imports in v2); default false.")]
        public string? WithImported { get; init; }

        public async Task<(ReportQuery Query, ReportRange? Comparison)> ToQueryAsync(HttpContext http, EventFacts facts, string defaultMetrics, CancellationToken cancellationToken)
        {
            var property = await ApiAccess.PropertyAsync(http, SiteId, "site_id");
            var now = ReportEndpoints.Now(http);
            ReportRange range;
            if ((Period ?? string.Empty).Trim() == "custom")
            {
                var days = (Date ?? string.Empty).Split(',', StringSplitOptions.TrimEntries);
                if (days.Length != 2)
                {
                    throw new FieldValidationException("date", "a custom period needs date=YYYY-MM-DD,YYYY-MM-DD.");
                }

                range = ReportRanges.Resolve(DateRangeKind.CustomDates, property.Zone, now, ReportRanges.ParseDay(days[0], "date"), ReportRanges.ParseDay(days[1], "date"));
            }
            else
            {
                if (!string.IsNullOrWhiteSpace(Date))
                {
                    now = property.Zone.AtStartOfDay(ReportRanges.ParseDay(Date, "date")).ToInstant();
                }

                range = await NamedRange(Period ?? "30d", "period", property, facts, now, cancellationToken);
            }

            var comparison = ReportRanges.Comparison(Compare, range, property.Zone, DateRangeKind.CustomDates, "compare");
            var query = new ReportQuery
            {
                PropertyId = property.Id,
                Zone = property.Zone,
                DayZone = property.Days,
                WeekStart = property.FirstDayOfWeek,
                Range = range,
                Metrics = Reports.Metrics.ParseList(Metrics ?? defaultMetrics, "metrics"),
                Filter = NativeValues(V1Filters(Filters)),
                IncludeImports = (WithImported ?? "false").Trim() switch
                {
                    "true" => true,
                    "false" or "" => false,
                    var other => throw new FieldValidationException("with_imported", $"'{other}' is neither true nor false."),
                },
            };
            return (query, comparison);
        }
    }

    /// <summary>v1 filters: "visit:browser==Firefox|Safari;event:page~blog;visit:os!=Mac" (or a v2 JSON list).</summary>
    private static Filter? V1Filters(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (text.TrimStart().StartsWith('['))
        {
            return FilterJson.Parse(text);
        }

        var conditions = text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(part =>
        {
            foreach (var (token, op) in new[] { ("!=", FilterOperator.IsNot), ("==", FilterOperator.Is), ("!~", FilterOperator.ContainsNot), ("~", FilterOperator.Contains) })
            {
                var at = part.IndexOf(token, StringComparison.Ordinal);
                if (at > 0)
                {
                    return (Filter)new Condition(op, Dimension.Parse(part[..at].Trim(), "filters"), part[(at + token.Length)..].Split('|').Select(v => v.Trim()).ToList());
                }
            }

            throw new FieldValidationException("filters", $"'{part}' is not a filter; write dimension==value, !=, ~ (contains) or !~.");
        }).ToList();
        return conditions.Count == 1 ? conditions[0] : new AllOf(conditions);
    }

    private static async Task<ReportRange> Range(JsonElement element, string field, Property property, EventFacts facts, Instant now, CancellationToken cancellationToken)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return await NamedRange(element.GetString()!, field, property, facts, now, cancellationToken);
            case JsonValueKind.Array when element.GetArrayLength() == 2 && element.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                var (first, last) = (element[0].GetString()!, element[1].GetString()!);
                if (first.Contains('T', StringComparison.Ordinal) || last.Contains('T', StringComparison.Ordinal))
                {
                    // Instants: Plausible's end is inclusive (to the second).
                    return ReportRanges.Instants(ReportRanges.ParseInstant(first, $"{field}[0]"), ReportRanges.ParseInstant(last, $"{field}[1]") + Duration.FromSeconds(1));
                }

                return ReportRanges.Resolve(DateRangeKind.CustomDates, property.Zone, now, ReportRanges.ParseDay(first, $"{field}[0]"), ReportRanges.ParseDay(last, $"{field}[1]"));
            default:
                throw new FieldValidationException(field, "is a name (day, 7d, 28d, 30d, 91d, month, 6mo, 12mo, year, all) or [first, last] dates or ISO-8601 times.");
        }
    }

    /// <summary>Plausible's named ranges: N days end today and begin N-1 days before ("30d" begins 30 days before, as Plausible does); month, 6mo, 12mo and year are whole calendar periods.</summary>
    private static async Task<ReportRange> NamedRange(string name, string field, Property property, EventFacts facts, Instant now, CancellationToken cancellationToken)
    {
        var zone = property.Zone;
        var today = now.InZone(zone).Date;
        var month = today.With(DateAdjusters.StartOfMonth);
        var monthEnd = today.With(DateAdjusters.EndOfMonth);
        return name.Trim() switch
        {
            "day" or "today" => ReportRanges.Days(zone, today, today),
            "7d" => ReportRanges.Days(zone, today.PlusDays(-6), today),
            "28d" => ReportRanges.Days(zone, today.PlusDays(-27), today),
            "30d" => ReportRanges.Days(zone, today.PlusDays(-30), today),
            "91d" => ReportRanges.Days(zone, today.PlusDays(-90), today),
            "month" => ReportRanges.Days(zone, month, monthEnd),
            "6mo" => ReportRanges.Days(zone, month.PlusMonths(-5), monthEnd),
            "12mo" => ReportRanges.Days(zone, month.PlusMonths(-11), monthEnd),
            "year" => ReportRanges.Days(zone, new LocalDate(today.Year, 1, 1), new LocalDate(today.Year, 12, 31)),
            "all" => ReportRanges.Resolve(DateRangeKind.All, zone, now, firstEvent: await facts.FirstDayAsync(property.Id, zone, cancellationToken)),
            _ => throw new FieldValidationException(field, $"'{name}' is not supported; use day, 7d, 28d, 30d, 91d, month, 6mo, 12mo, year, all, or a [first, last] pair."),
        };
    }

    /// <summary>What Plausible's Stats API says when it leaves imported data out, by reason.</summary>
    private static readonly Dictionary<string, string> ImportsWarnings = new(StringComparer.Ordinal)
    {
        ["unsupported_query"] = "Imported stats are not included in the results because query parameters are not supported.",
        ["unsupported_interval"] = "Imported stats are not included because the time dimension (i.e. the interval) is too short.",
    };

    private static (bool TimeLabels, bool TotalRows, string? Comparison, bool Imports) Include(JsonElement include)
    {
        if (include.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return (false, false, null, false);
        }

        if (include.ValueKind != JsonValueKind.Object)
        {
            throw new FieldValidationException("include", "must be an object, e.g. {\"total_rows\": true}.");
        }

        var (labels, total, imports) = (false, false, false);
        string? comparison = null;
        foreach (var option in include.EnumerateObject())
        {
            switch (option.Name)
            {
                case "time_labels":
                    labels = Bool(option.Value, "include.time_labels");
                    break;
                case "total_rows":
                    total = Bool(option.Value, "include.total_rows");
                    break;
                case "imports":
                    imports = Bool(option.Value, "include.imports");
                    break;
                case "legacy_time_on_page_cutoff":
                    break;
                case "comparisons":
                    var mode = option.Value.ValueKind == JsonValueKind.Object && option.Value.TryGetProperty("mode", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                    comparison = mode is "previous_period" or "year_over_year"
                        ? mode
                        : throw new FieldValidationException("include.comparisons.mode", $"'{mode}' is not supported; use previous_period or year_over_year.");
                    break;
                default:
                    throw new FieldValidationException($"include.{option.Name}", $"'{option.Name}' is not supported; include takes time_labels, total_rows and comparisons.");
            }
        }

        return (labels, total, comparison, imports);
    }

    private static (int Limit, int Offset) Pagination(JsonElement body)
    {
        if (!body.TryGetProperty("pagination", out var pagination))
        {
            return (ReportEngine.MaxLimit, 0);
        }

        int Field(string name, int fallback, int max) => !pagination.TryGetProperty(name, out var v) ? fallback
            : v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= (name == "limit" ? 1 : 0) && n <= max ? n
            : throw new FieldValidationException($"pagination.{name}", $"must be a whole number up to {max}.");
        return (Field("limit", ReportEngine.MaxLimit, ReportEngine.MaxLimit), Field("offset", 0, int.MaxValue));
    }

    private static List<OrderBy> OrderBy(JsonElement body)
    {
        if (!body.TryGetProperty("order_by", out var order))
        {
            return [];
        }

        return order.ValueKind != JsonValueKind.Array
            ? throw new FieldValidationException("order_by", "is a list of [field, \"asc\"|\"desc\"] pairs.")
            : order.EnumerateArray().Select((o, i) => o.ValueKind == JsonValueKind.Array && o.GetArrayLength() == 2 && o[0].ValueKind == JsonValueKind.String && o[1].ValueKind == JsonValueKind.String && o[1].GetString() is "asc" or "desc"
                ? new OrderBy(o[0].GetString()!, o[1].GetString() == "desc")
                : throw new FieldValidationException($"order_by[{i}]", "is [field, \"asc\"|\"desc\"].")).ToList();
    }

    private static List<string> Strings(JsonElement body, string field, bool required)
    {
        if (!body.TryGetProperty(field, out var list))
        {
            return required ? throw new FieldValidationException(field, "is required.") : [];
        }

        if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw new FieldValidationException(field, "is a list of strings.");
        }

        return list.EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    private static bool Bool(JsonElement value, string field) => value.ValueKind is JsonValueKind.True or JsonValueKind.False
        ? value.GetBoolean()
        : throw new FieldValidationException(field, "is true or false.");

    /// <summary>An instant as Plausible echoes it: local time to the second and a ±HH:MM offset (+00:00, never Z).</summary>
    private static string Iso(Instant instant, DateTimeZone zone) => EchoPattern.Format(instant.InZone(zone).ToOffsetDateTime());

    private static readonly OffsetDateTimePattern EchoPattern = OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'sso<m>");

    private static JsonArray Numbers(IReadOnlyList<double> values, List<Metric> metrics)
        => new(values.Select((v, i) => (JsonNode?)Number(v, metrics[i])).ToArray());

    /// <summary>Counts as integers, rates and averages as decimals, as Plausible writes them; a metric without data (scroll depth, time on page, revenue outside revenue goals) as null.</summary>
    private static JsonValue? Number(double value, Metric metric)
        => double.IsNaN(value) ? null
            : metric is Metric.ViewsPerVisit or Metric.ConversionRate or Metric.GroupConversionRate or Metric.Percentage or Metric.TotalRevenue or Metric.AverageRevenue ? JsonValue.Create(value) : JsonValue.Create((long)value);
}
