using System.Globalization;
using Analytics.Api.Reports;
using Analytics.Storage.Funnels;
using Analytics.Storage.Goals;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;
using NodaTime;

namespace Analytics.Dashboard;

/// <summary>
/// Asks the reporting engine for every number of a dashboard view, exactly as the API would ask it: the top stats, the
/// graph, each panel's first rows and the realtime minutes, all under the view's range, comparison and filters. Also
/// the details view's pages and the filter editor's suggestions.
/// </summary>
internal sealed partial class DashboardLoader(
    ReportEngine engine, EventFacts facts, RealtimeQuery realtime, VisitTimeline timeline, GoalStore goalStore, FunnelStore funnelStore, Analytics.Storage.Imports.ImportStore importStore, TimeProvider time,
    Microsoft.Extensions.Logging.ILogger<DashboardLoader> logger)
{
    /// <summary>A view slower than this is logged with the time of each of its parts.</summary>
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(1);

    /// <summary>Rows a panel shows; the details view has the rest.</summary>
    public const int PanelRows = 9;

    /// <summary>Countries the map shades (every ISO country fits).</summary>
    private const int MapRows = 300;

    public static readonly IReadOnlyList<Metric> TopMetrics = [Metric.Visitors, Metric.Visits, Metric.Pageviews, Metric.ViewsPerVisit, Metric.BounceRate, Metric.VisitDuration];

    /// <summary>The top stats under a goal filter, as Plausible shows them: unique conversions, total conversions, conversion rate.</summary>
    public static readonly IReadOnlyList<Metric> ConversionMetrics = [Metric.Visitors, Metric.Events, Metric.ConversionRate];

    public Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>
    /// The saved segments the viewer may apply (<c>["is", "segment", [id]]</c> in a view's filters): the property's
    /// shared ones, and a signed-in member's own. Set by whoever opened the property for this circuit or request.
    /// </summary>
    public IReadOnlyList<Segment>? Segments { get; set; }

    public async Task<DashboardData> LoadAsync(Property property, DashboardView view, CancellationToken cancellationToken)
    {
        var now = Now;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var mark = started;
        var parts = new List<string>();
        void Part(string name)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {System.Diagnostics.Stopwatch.GetElapsedTime(mark).TotalMilliseconds:F0} ms"));
            mark = System.Diagnostics.Stopwatch.GetTimestamp();
        }

        try
        {
            var conversions = view.Chips.Any(c => c.Dimension == "event:goal");
            var top = conversions ? ConversionMetrics : TopMetrics;
            var (query, comparison) = await QueryAsync(property, view, top, now, cancellationToken);
            Part("range");
            var imports = (await importStore.ListAsync(property.Id, cancellationToken)).Where(i => i.State == "done" && i.FirstDay is not null).ToList();
            var intervals = Intervals(query.Range);
            var interval = Interval(view, query.Range);
            var spans = imports.Select(i => ReportRanges.Days(property.Zone, LocalDate.FromDateOnly(i.FirstDay!.Value), LocalDate.FromDateOnly(i.LastDay!.Value))).ToList();
            var graph = await GraphAsync(query, comparison, view.Graph, interval, now, spans, cancellationToken);
            Part("graph");

            // The top stats and the panels are asked together (ReportEngine.RunAllAsync): panels whose events half reads
            // raw events, or the daily rollup without a filter, share one statement, and so do the top stats' and the
            // panels' visits where a filter on events (a page) looks them up.
            var shown = Shown(view.Get);
            var answers = await engine.RunAllAsync([query, .. shown.Select(p => p.Tab.Query(query, p.Limit + 1))], cancellationToken);
            var topResult = comparison is null ? answers[0] : await engine.CompareAsync(query, answers[0], comparison, cancellationToken);
            var stats = topResult.Rows.Count > 0 ? topResult.Rows[0] : null;
            var tops = top.Select(metric =>
            {
                var i = query.Metrics.ToList().IndexOf(metric);
                return i < 0 ? new TopStat(metric, null, null, null) : new TopStat(metric, stats?.Metrics[i] ?? 0, stats?.Comparison?.Metrics[i], stats?.Change?[i]);
            }).ToList();
            var panels = shown.Select((p, i) => Panel(p.Panel.Key, p.Tab, [.. p.Panel.Tabs.Select(t => t.Key)], p.Limit, answers[i + 1])).ToList();
            Part("top stats and panels");

            var goal = view.FilteredTo("event:goal") is { } goalName ? query.Goals?.FirstOrDefault(g => g.DisplayName == goalName) : null;
            if ((goal?.EventName ?? view.FilteredTo("event:name")) is { } eventName)
            {
                var keys = await facts.PropKeysAsync(property.Id, query.Range, eventName, cancellationToken);
                if (keys.Count > 0)
                {
                    var tab = Panels.Prop(keys.FirstOrDefault(k => k == view.Get("props")) ?? keys[0]);
                    panels.Add(await PanelAsync(query, "props", tab, keys, PanelRows, cancellationToken));
                }

                Part("custom properties");
            }

            // The funnel's steps are counted apart, once the rest is on screen: a funnel reads every visitor's events in
            // the range (seconds for a year of a large site), which would hold up every view of a property with one.
            var funnels = await funnelStore.ListAsync(property.Id, cancellationToken);
            var funnel = Shown(funnels, view);
            var funnelData = funnel is null ? null : new FunnelData(funnel.Id, [.. funnels.Select(f => new FunnelChoice(f.Id, f.Name))], null);

            var live = await realtime.ReadAsync(property.Id, now, cancellationToken, query.Filter);
            Part("realtime");
            LogIfSlow(property, view, started, string.Join(", ", parts));

            return new DashboardData(
                view.Url,
                null,
                Format.Range(query.Range),
                comparison is null ? null : Format.Range(comparison),
                query.Range.FirstDay?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                query.Range.LastDay?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                interval,
                intervals,
                tops,
                graph,
                panels,
                Realtime(live, property.Zone),
                null)
            {
                Conversions = conversions,
                GoalCount = query.Goals?.Count ?? 0,
                Funnel = funnelData,
                Imports = [.. imports.Zip(spans, (i, span) => new DashboardData.ImportSpan(i.Source == "plausible" ? "Plausible" : i.Source, Format.Range(span)))],
                ImportsSkipReason = topResult.ImportsSkipReason,
                SampledOneIn = answers.Max(a => a.SampledOneIn),
            };
        }
        catch (FieldValidationException e)
        {
            return DashboardData.Failed(view.Url, $"{e.Field}: {e.Message}");
        }
    }

    /// <summary>
    /// The steps of the funnel a view shows (<see cref="DashboardData.Funnel"/>) in its range and filters; null when the
    /// property has no such funnel any more.
    /// </summary>
    public async Task<FunnelResult?> FunnelAsync(Property property, DashboardView view, long funnelId, CancellationToken cancellationToken)
    {
        if ((await funnelStore.ListAsync(property.Id, cancellationToken)).FirstOrDefault(f => f.Id == funnelId) is not { } funnel)
        {
            return null;
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (query, _) = await QueryAsync(property, view, [Metric.Visitors], Now, cancellationToken);
        var result = await engine.FunnelAsync(query, funnel, cancellationToken);
        LogIfSlow(property, view, started, "funnel");

        return result;
    }

    /// <summary>The funnel a view shows: the one it names (funnel=id), else the property's first.</summary>
    private static Funnel? Shown(IReadOnlyList<Funnel> funnels, DashboardView view)
        => funnels.FirstOrDefault(f => f.Id.ToString(CultureInfo.InvariantCulture) == view.Get("funnel")) ?? (funnels.Count > 0 ? funnels[0] : null);

    /// <summary>Current visitors and the last 30 minutes under the view's filters (the page polls it).</summary>
    public async Task<RealtimeData> RealtimeAsync(Property property, DashboardView view, CancellationToken cancellationToken)
    {
        var filter = FilterJson.Parse(view.Filters, segments: Segments);
        return Realtime(await realtime.ReadAsync(property.Id, Now, cancellationToken, filter), property.Zone);
    }

    /// <summary>
    /// One page of a panel tab's full list under the view, optionally only the values containing <paramref name="search"/>
    /// (any case), ordered by a metric of the tab.
    /// </summary>
    public async Task<DetailsPage> DetailsAsync(Property property, DashboardView view, PanelTab tab, string? search, Metric? orderBy, bool descending, int offset, int limit, CancellationToken cancellationToken)
    {
        var (query, _) = await QueryAsync(property, view, tab.Metrics, Now, cancellationToken);
        var filter = string.IsNullOrWhiteSpace(search)
            ? query.Filter
            : Filters.Both(query.Filter, new Condition(FilterOperator.Contains, Dimension.Parse(tab.Dimension, "dimension"), [search.Trim()], CaseSensitive: false));
        var page = tab.Query(query with { Filter = filter }, limit) with
        {
            Offset = offset,
            OrderBy = orderBy is { } metric && tab.Metrics.Contains(metric) ? [new OrderBy(Metrics.Name(metric), descending)] : [],
        };
        var result = await engine.RunAsync(page, cancellationToken);
        return new DetailsPage([.. result.Rows.Select(r => new PanelRow(r.Dimensions[0], r.Metrics))], result.TotalRows);
    }

    /// <summary>
    /// A page of the visits that started in the view's range and pass its filters, newest first (the view's latest
    /// visits, read after the rest of it, and the list of all visits).
    /// </summary>
    public async Task<IReadOnlyList<SessionSummary>> VisitsAsync(Property property, DashboardView view, int offset, int limit, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (query, _) = await QueryAsync(property, view, [Metric.Visits], Now, cancellationToken);
        var visits = await engine.SessionsAsync(query, limit, offset, cancellationToken);
        LogIfSlow(property, view, started, "visits");

        return visits;
    }

    /// <summary>One visit's events in order; null when the property has no such visit (or the id is not one).</summary>
    public async Task<IReadOnlyList<SessionEvent>?> TimelineAsync(Property property, string visit, CancellationToken cancellationToken)
        => ulong.TryParse(visit, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? await timeline.ReadAsync(property.Id, id, cancellationToken) : null;

    /// <summary>Values of <paramref name="dimension"/> in the view's range (its other filters applied) that contain <paramref name="text"/>, most visitors first.</summary>
    public async Task<IReadOnlyList<string>> SuggestAsync(Property property, DashboardView view, string dimension, string? text, int? exceptFilter, CancellationToken cancellationToken)
    {
        try
        {
            var without = exceptFilter is { } index && index < view.Chips.Count ? DashboardView.FromUri(view.Domain, view.WithoutFilter(index)) : view;
            var (query, _) = await QueryAsync(property, without, [Metric.Visitors], Now, cancellationToken);
            var dim = Dimension.Parse(dimension, "dimension");
            var filter = string.IsNullOrWhiteSpace(text) ? query.Filter : Filters.Both(query.Filter, new Condition(FilterOperator.Contains, dim, [text.Trim()], CaseSensitive: false));
            var result = await engine.RunAsync(query with { Dimensions = [dim], Filter = filter, Limit = 20 }, cancellationToken);
            return [.. result.Rows.Select(r => r.Dimensions[0]).Where(v => v.Length > 0)];
        }
        catch (FieldValidationException)
        {
            return [];
        }
    }

    /// <summary>The intervals a graph of this range may use: hours up to a month, days up to three years, weeks and months always.</summary>
    public static IReadOnlyList<TimeInterval> Intervals(ReportRange range) =>
    [
        .. range.Length.TotalDays <= 31 ? [TimeInterval.Hour] : Array.Empty<TimeInterval>(),
        .. range.Length.TotalDays <= 3 * 366 ? [TimeInterval.Day] : Array.Empty<TimeInterval>(),
        TimeInterval.Week,
        TimeInterval.Month,
    ];

    /// <summary>The graph's interval: the one the view asks for when it fits the range, else the range's natural one.</summary>
    public static TimeInterval Interval(DashboardView view, ReportRange range)
        => view.Interval is { } asked && Intervals(range).Contains(asked) ? asked : TimeBuckets.Natural(range);

    /// <summary>The view's query for <paramref name="metrics"/> (the page and its CSV export alike) and its comparison range.</summary>
    public Task<(ReportQuery Query, ReportRange? Comparison)> QueryAsync(Property property, DashboardView view, IReadOnlyList<Metric> metrics, CancellationToken cancellationToken)
        => QueryAsync(property, view, metrics, Now, cancellationToken);

    private async Task<(ReportQuery Query, ReportRange? Comparison)> QueryAsync(Property property, DashboardView view, IReadOnlyList<Metric> metrics, Instant now, CancellationToken cancellationToken)
    {
        var request = new ReportRequest(view.Period, view.From, view.To, view.Compare, view.Filters, view.CompareFrom, view.CompareTo) { Segments = Segments };
        var (query, comparison, _) = await request.ToQueryAsync(property, metrics, facts, now, cancellationToken);
        query = query with { Goals = await goalStore.ListAsync(property.Id, cancellationToken), IncludeImports = view.Imports }; // goals once for every part of the view
        return (query with { Metrics = Asked(metrics, query.Filter) }, comparison);
    }

    /// <summary>
    /// The metrics a view asks under <paramref name="filter"/>: views per visit mixes visits with events, so with a
    /// filter on events it has no meaning (the API refuses it too) and is left out.
    /// </summary>
    public static IReadOnlyList<Metric> Asked(IReadOnlyList<Metric> metrics, Filter? filter)
        => Filters.OnEvents(filter) ? [.. metrics.Where(m => m != Metric.ViewsPerVisit)] : metrics;

    /// <summary>
    /// The panels a view shows, each with the tab <paramref name="chosen"/> names for its key (else its first) and the
    /// rows it shows (the map: every country). The bench times a view's first screen with these.
    /// </summary>
    public static IReadOnlyList<(Panel Panel, PanelTab Tab, int Limit)> Shown(Func<string, string?> chosen)
        => [.. Panels.Breakdowns.Append(Panels.Goals).Append(Panels.Events).Select(panel =>
        {
            var map = panel == Panels.Locations && chosen(panel.Key) == "map";
            return (panel, panel.Tab(chosen(panel.Key)), map ? MapRows : PanelRows);
        })];

    /// <summary>The graph's series of <paramref name="metric"/> by <paramref name="interval"/> over the view's <paramref name="query"/>.</summary>
    public static ReportQuery GraphQuery(ReportQuery query, Metric metric, TimeInterval interval)
    {
        // A conversion rate over time is each bucket's: its converting visitors over its visitors.
        var asked = metric == Metric.ConversionRate ? Metric.GroupConversionRate : metric;
        return query with { Metrics = [asked], Dimensions = [Dimension.Parse("time", "dimension", interval)] };
    }

    /// <param name="imported">The ranges imported history covers: the buckets they overlap are marked.</param>
    private async Task<GraphSeries> GraphAsync(ReportQuery query, ReportRange? comparison, Metric metric, TimeInterval interval, Instant now, IReadOnlyList<ReportRange> imported, CancellationToken cancellationToken)
    {
        if (!query.Metrics.Contains(metric))
        {
            metric = Metric.Visitors; // views per visit under an event filter
        }

        var series = await engine.RunAsync(GraphQuery(query, metric, interval), comparison, cancellationToken);
        var byLabel = series.Rows.GroupBy(r => r.Dimensions[0]).ToDictionary(g => g.Key, g => g.First());
        var buckets = series.TimeBuckets;
        var labels = buckets.Select(b => TimeBuckets.LabelText(b, interval)).ToList();

        // Buckets that have not begun yet are not zero: they have no value, and the line stops at now.
        var values = buckets.Select((b, i) => b.From > now ? (double?)null : byLabel.GetValueOrDefault(labels[i])?.Metrics[0] ?? 0).ToList();
        IReadOnlyList<string>? comparisonLabels = null;
        IReadOnlyList<double?>? previous = null;
        if (comparison is not null)
        {
            var earlier = TimeBuckets.Split(comparison, query.Zone, interval, query.WeekStart);
            comparisonLabels = [.. earlier.Select(b => Format.Bucket(b, interval))];
            previous = [.. labels.Select(l => byLabel.GetValueOrDefault(l)?.Comparison?.Metrics[0])];
        }

        return new GraphSeries(metric, [.. buckets.Select(b => Format.Bucket(b, interval))], values, comparisonLabels, previous)
        {
            Imported = [.. buckets.Select(b => imported.Any(r => r.From < b.To && b.From < r.To))],
        };
    }

    /// <param name="limit">Rows to keep: the panel's, or every country for the map.</param>
    private async Task<PanelData> PanelAsync(ReportQuery query, string key, PanelTab tab, IReadOnlyList<string> tabs, int limit, CancellationToken cancellationToken)
        => Panel(key, tab, tabs, limit, await engine.RunAsync(tab.Query(query, limit + 1), cancellationToken));

    /// <summary>A panel's first rows from its tab's answer (asked for one row more, to know whether there are more).</summary>
    private static PanelData Panel(string key, PanelTab tab, IReadOnlyList<string> tabs, int limit, QueryResult result)
        => new(key, tab.Key, tabs, [.. result.Rows.Take(limit).Select(r => new PanelRow(r.Dimensions[0], r.Metrics))], result.Rows.Count > PanelRows)
        {
            ImportsLeftOut = result.ImportsSkipReason == "unsupported_query",
        };

    /// <summary>The minutes as the owner's clock shows them.</summary>
    private static RealtimeData Realtime(Realtime live, DateTimeZone zone) => new(
        live.Visitors,
        [.. live.Minutes.Select(m => m.Visitors)],
        [.. live.Minutes.Select(m => m.Pageviews)],
        [.. live.Minutes.Select(m => Instant.FromDateTimeUtc(m.Minute).InZone(zone).ToString("HH:mm", CultureInfo.InvariantCulture))]);

    /// <summary>Logs what took longer than <see cref="Slow"/> since <paramref name="started"/> (a stopwatch timestamp), with its parts.</summary>
    private void LogIfSlow(Property property, DashboardView view, long started, string parts)
    {
        if (System.Diagnostics.Stopwatch.GetElapsedTime(started) is var total && total > Slow)
        {
            LogSlow(property.Domain, (long)total.TotalMilliseconds, view.Url, parts);
        }
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "A dashboard view of {Domain} took {Total} ms ({View}): {Parts}")]
    private partial void LogSlow(string domain, long total, string view, string parts);
}
