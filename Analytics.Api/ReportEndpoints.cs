using System.ComponentModel;
using System.Globalization;
using Analytics.Storage.Funnels;
using Analytics.Storage.Hosting;
using Analytics.Api.Reports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using NodaTime;

namespace Analytics.Api;

/// <summary>The native reporting endpoints under <c>/api/v1/properties/{propertyId}</c>.</summary>
internal static class ReportEndpoints
{
    private const string DefaultMetrics = "visitors,visits,pageviews,views_per_visit,bounce_rate,visit_duration";

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/properties/{propertyId:long}").WithTags("Reports");
        group.MapGet("/aggregate", AggregateAsync).WithName("Aggregate")
            .WithSummary("Top stats of a property over a date range.")
            .WithDescription("One row of metrics for the range (default: visitors, visits, pageviews, views_per_visit, bounce_rate, visit_duration), optionally filtered and compared with an earlier period. Example: `GET /api/v1/properties/1/aggregate?period=7d&metrics=visitors,pageviews&compare=previous_period`.");
        group.MapGet("/timeseries", TimeseriesAsync).WithName("Timeseries")
            .WithSummary("Metrics per local hour, day, week or month.")
            .WithDescription("One row per bucket of the property's local time, empty buckets included; a DST day has 23 or 25 hours. Example: `GET /api/v1/properties/1/timeseries?period=30d&interval=day&metrics=visitors`.");
        group.MapGet("/breakdown", BreakdownAsync).WithName("Breakdown")
            .WithSummary("Metrics broken down by one or more dimensions.")
            .WithDescription("Dimensions as in Plausible's Stats API: event:page, visit:source, visit:country, event:props:plan, ... Ordered by the first metric (descending) unless order_by says otherwise; paged with limit and offset. Example: `GET /api/v1/properties/1/breakdown?dimension=visit:source&metrics=visitors,bounce_rate&limit=10`.");
        group.MapGet("/realtime", RealtimeAsync).WithName("Realtime")
            .WithSummary("Current visitors and the last 30 minutes.")
            .WithDescription("Visitors seen in the last 5 minutes, and visitors and pageviews for each of the last 30 minutes (UTC minutes).");
        group.MapGet("/sessions", SessionsAsync).WithName("Sessions")
            .WithSummary("The visits that started in a date range, newest first.")
            .WithDescription("Each visit with its entry and exit page, source, country, browser, OS, device, pageviews and duration. Example: `GET /api/v1/properties/1/sessions?period=today&limit=50`.");
        group.MapGet("/sessions/{sessionId}", TimelineAsync).WithName("SessionTimeline")
            .WithSummary("One visit's events in order.")
            .WithDescription("Every pageview, engagement and custom event of the visit, with props and revenue. The id comes from the sessions list.");
        group.MapGet("/funnels", ListFunnelsAsync).WithName("ListFunnels")
            .WithSummary("Lists a property's funnels.")
            .WithDescription("Each funnel's id, name and steps (goals' display names, in order). Funnels are made with `./analytics funnels add`, the dashboard, or `PUT /api/v1/sites/funnels`.");
        group.MapGet("/funnels/{funnelId:long}", FunnelAsync).WithName("Funnel")
            .WithSummary("A funnel over a date range: the visitors at each step.")
            .WithDescription("For each step, the visitors who reached it in a visit that completed the steps before it in order, the share of the first step's visitors (conversion_rate) and of the previous step's (conversion_rate_step), and the drop-off. Any range and filter applies. Example: `GET /api/v1/properties/1/funnels/2?period=30d`.");
    }

    private static async Task<Ok<List<FunnelSummary>>> ListFunnelsAsync(HttpContext http, long propertyId, FunnelStore funnels, CancellationToken cancellationToken)
    {
        var property = await ApiAccess.PropertyAsync(http, propertyId);
        return TypedResults.Ok((await funnels.ListAsync(property.Id, cancellationToken)).Select(f => new FunnelSummary(f.Id, f.Name, [.. f.Steps.Select(g => g.DisplayName)])).ToList());
    }

    private static async Task<Ok<FunnelResult>> FunnelAsync(
        HttpContext http, long propertyId, long funnelId, [AsParameters] ReportParameters parameters, ReportEngine engine, EventFacts facts, FunnelStore funnels, CancellationToken cancellationToken)
    {
        var property = await ApiAccess.PropertyAsync(http, propertyId);
        var funnel = await funnels.GetAsync(property.Id, funnelId, cancellationToken) ?? throw new PropertyNotFoundException($"Property {propertyId} has no funnel {funnelId}.");
        var (query, _) = await parameters.ToQueryAsync(property, [Metric.Visitors], facts, Now(http), cancellationToken);
        return TypedResults.Ok(await engine.FunnelAsync(query, funnel, cancellationToken));
    }

    private static async Task<Ok<ReportResponse>> AggregateAsync(
        HttpContext http, long propertyId, [AsParameters] ReportParameters parameters, ReportEngine engine, EventFacts facts,
        [FromQuery, Description("Comma-separated metrics: visitors, visits, pageviews, views_per_visit, bounce_rate, visit_duration, events, scroll_depth, time_on_page, conversion_rate, group_conversion_rate, total_revenue, average_revenue, percentage.")] string? metrics,
        CancellationToken cancellationToken)
    {
        var property = await ApiAccess.PropertyAsync(http, propertyId);
        var (query, comparison) = await parameters.ToQueryAsync(property, Metrics.ParseList(metrics ?? DefaultMetrics, "metrics"), facts, Now(http), cancellationToken);
        return TypedResults.Ok(Response(await engine.RunAsync(query, comparison, cancellationToken), comparison));
    }

    private static async Task<Ok<ReportResponse>> TimeseriesAsync(
        HttpContext http, long propertyId, [AsParameters] ReportParameters parameters, ReportEngine engine, EventFacts facts,
        [FromQuery, Description("Comma-separated metrics (default visitors,pageviews).")] string? metrics,
        [FromQuery, Description("hour, day, week or month; by default the one that suits the range (hours for a day, days up to four months, then weeks, then months).")] string? interval,
        CancellationToken cancellationToken)
    {
        var property = await ApiAccess.PropertyAsync(http, propertyId);
        var (query, comparison) = await parameters.ToQueryAsync(property, Metrics.ParseList(metrics ?? "visitors,pageviews", "metrics"), facts, Now(http), cancellationToken);
        query = query with { Dimensions = [Dimension.Time(TimeBuckets.ParseInterval(interval, "interval") ?? TimeBuckets.Natural(query.Range))] };
        return TypedResults.Ok(Response(await engine.RunAsync(query, comparison, cancellationToken), comparison));
    }

    private static async Task<Ok<ReportResponse>> BreakdownAsync(
        HttpContext http, long propertyId, [AsParameters] ReportParameters parameters, ReportEngine engine, EventFacts facts,
        [FromQuery, Description("The dimension(s) to break down by, comma-separated, e.g. visit:source or event:page,visit:country. See docs/api.md for the list.")] string? dimension,
        [FromQuery, Description("Comma-separated metrics (default visitors).")] string? metrics,
        [FromQuery(Name = "order_by"), Description("Comma-separated fields with an optional direction, e.g. pageviews:desc,event:page:asc.")] string? orderBy,
        [FromQuery, Description("Rows per page, 1 to 10000 (default 100).")] string? limit,
        [FromQuery, Description("Rows to skip (default 0).")] string? offset,
        CancellationToken cancellationToken)
    {
        var property = await ApiAccess.PropertyAsync(http, propertyId);
        var (query, comparison) = await parameters.ToQueryAsync(property, Metrics.ParseList(metrics ?? "visitors", "metrics"), facts, Now(http), cancellationToken);
        var dimensions = (dimension ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => Dimension.Parse(d, "dimension", TimeBuckets.Natural(query.Range))).ToList();
        if (dimensions.Count == 0)
        {
            throw new FieldValidationException("dimension", "name a dimension to break down by, e.g. visit:source or event:page.");
        }

        query = query with
        {
            Dimensions = dimensions,
            OrderBy = ReportParameters.ParseOrder(orderBy),
            Limit = ReportParameters.Number(limit, "limit", 100, 1, ReportEngine.MaxLimit),
            Offset = ReportParameters.Number(offset, "offset", 0, 0, int.MaxValue),
        };
        return TypedResults.Ok(Response(await engine.RunAsync(query, comparison, cancellationToken), comparison));
    }

    private static async Task<Ok<Realtime>> RealtimeAsync(HttpContext http, long propertyId, RealtimeQuery realtime, CancellationToken cancellationToken)
    {
        var property = await ApiAccess.PropertyAsync(http, propertyId);
        return TypedResults.Ok(await realtime.ReadAsync(property.Id, Now(http), cancellationToken));
    }

    private static async Task<Ok<IReadOnlyList<SessionSummary>>> SessionsAsync(
        HttpContext http, long propertyId, [AsParameters] ReportParameters parameters, EventFacts facts, ReportEngine engine,
        [FromQuery, Description("Visits per page, 1 to 1000 (default 100).")] string? limit,
        [FromQuery, Description("Visits to skip (default 0).")] string? offset,
        CancellationToken cancellationToken)
    {
        var property = await ApiAccess.PropertyAsync(http, propertyId);
        var (query, _) = await parameters.ToQueryAsync(property, [Metric.Visits], facts, Now(http), cancellationToken);
        return TypedResults.Ok(await engine.SessionsAsync(query, ReportParameters.Number(limit, "limit", 100, 1, 1000),
            ReportParameters.Number(offset, "offset", 0, 0, int.MaxValue), cancellationToken));
    }

    private static async Task<Ok<IReadOnlyList<SessionEvent>>> TimelineAsync(HttpContext http, long propertyId, string sessionId, VisitTimeline timeline, CancellationToken cancellationToken)
    {
        var property = await ApiAccess.PropertyAsync(http, propertyId);
        if (!ulong.TryParse(sessionId, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            throw new FieldValidationException("sessionId", $"'{sessionId}' is not a session id (a number from the sessions list).");
        }

        return TypedResults.Ok(await timeline.ReadAsync(property.Id, id, cancellationToken)
            ?? throw new PropertyNotFoundException($"Property {propertyId} has no session {sessionId}."));
    }

    internal static Instant Now(HttpContext http)
        => Instant.FromDateTimeOffset(((TimeProvider?)http.RequestServices.GetService(typeof(TimeProvider)) ?? TimeProvider.System).GetUtcNow());

    private static ReportResponse Response(QueryResult result, ReportRange? comparison)
    {
        var names = result.Query.Metrics.Select(Metrics.Name).ToList();
        Dictionary<string, double?> ByName(IEnumerable<double?> values) => names.Zip(values).ToDictionary(x => x.First, x => x.Second);
        static IEnumerable<double?> OrNull(IReadOnlyList<double> values) => values.Select(v => double.IsNaN(v) ? (double?)null : v); // no data: null
        var rows = result.Rows.Select(r => new ReportRow(r.Dimensions, ByName(OrNull(r.Metrics)), r.Comparison is { } c ? ByName(OrNull(c.Metrics)) : null, r.Change is { } ch ? ByName(ch) : null)).ToList();
        var meta = new ReportMeta(result.Query.Range.From.ToDateTimeOffset(), result.Query.Range.To.ToDateTimeOffset(), result.Query.Zone.Id,
            result.Query.Dimensions.Select(d => d.Name).ToList(), result.Plan, comparison?.From.ToDateTimeOffset(), comparison?.To.ToDateTimeOffset(), SamplePercent(result));
        return new ReportResponse(rows, result.TotalRows, meta);
    }

    /// <summary>The percentage of visitors a sampled answer read (<see cref="QueryResult.SampledOneIn"/>), null when it read all.</summary>
    internal static double? SamplePercent(QueryResult result) => result.SampledOneIn > 1 ? Math.Round(100.0 / result.SampledOneIn, 2) : null;
}
