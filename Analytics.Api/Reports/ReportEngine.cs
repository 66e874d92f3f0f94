using System.Globalization;
using System.Text.Json;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.Funnels;
using Analytics.Storage.Goals;
using Analytics.Storage.Hosting;
using NodaTime;

namespace Analytics.Api.Reports;

/// <summary>
/// Answers <see cref="ReportQuery"/>s. A query has up to two halves: event metrics (from the rollups or raw events)
/// and session metrics (from the rollups or the sessions table, or sessions rebuilt from raw events). The planner
/// picks the fastest source that holds what each half needs; the halves are joined on their dimension values here.
/// A breakdown ordered by one half's metric is ordered and paged in SQL, and the other half fetches only those rows.
/// </summary>
/// <param name="goalStore">Where the property's goals are read when a query names event:goal without carrying them.</param>
/// <param name="options">Whether large ranges are sampled (<see cref="ReportOptions.SampleAbove"/>); null: never.</param>
public sealed class ReportEngine(IClickHouse clickHouse, GoalStore? goalStore = null, ReportOptions? options = null)
{
    public const int MaxLimit = 10_000;
    private const int MaxValues = 100;

    /// <summary>The sparsest sample the engine chooses: one visitor in 100.</summary>
    public const int MaxSampleOneIn = 100;

    /// <summary>Runs a query, and with <paramref name="comparison"/> the same query over that range, row by row.</summary>
    public async Task<QueryResult> RunAsync(ReportQuery query, ReportRange? comparison, CancellationToken cancellationToken)
    {
        var result = await RunAsync(query, cancellationToken);
        return comparison is null ? result : await CompareAsync(query, result, comparison, cancellationToken);
    }

    /// <summary>
    /// <paramref name="result"/>, the answer to <paramref name="query"/>, with the same query over
    /// <paramref name="comparison"/> beside it, row by row.
    /// </summary>
    public async Task<QueryResult> CompareAsync(ReportQuery query, QueryResult result, ReportRange comparison, CancellationToken cancellationToken)
    {
        query = await WithGoalsAsync(query, cancellationToken);

        // The comparison needs only the current rows' values (time buckets pair up by position).
        var restrict = query.Dimensions.Select((d, i) => (d, i)).Where(x => !x.d.IsTime).ToList();
        var filter = query.Filter;
        if (result.Rows.Count > 0 && restrict.Count > 0)
        {
            var conditions = restrict.Select(x => (Filter)new Condition(FilterOperator.Is, x.d, result.Rows.Select(row => row.Dimensions[x.i]).Distinct().ToList())).ToList();
            filter = Filters.Both(filter, new AllOf(conditions));
        }

        // The same query again over the earlier range: already validated, and its value lists may be long.
        var before = await RunAsync(query with { Range = comparison, Filter = filter, Limit = MaxLimit, Offset = 0, OrderBy = [] }, comparisonRun: true, cancellationToken);
        var time = query.Dimensions.ToList().FindIndex(d => d.IsTime);
        string Key(ResultRow row, Func<string, int> bucket) => string.Join('\u001f', row.Dimensions.Select((v, i) => i == time ? bucket(v).ToString(CultureInfo.InvariantCulture) : v));
        var currentLabels = Positions(result.TimeBuckets, query);
        var beforeLabels = Positions(before.TimeBuckets, query);
        var previous = before.Rows.GroupBy(r => Key(r, v => beforeLabels.GetValueOrDefault(v, -1))).ToDictionary(g => g.Key, g => g.First());
        var zero = query.Metrics.Select(_ => 0.0).ToList();
        var rows = result.Rows.Select(row =>
        {
            var match = previous.GetValueOrDefault(Key(row, v => currentLabels.GetValueOrDefault(v, -1)));
            var old = match ?? new ResultRow(row.Dimensions, zero);
            return row with { Comparison = old, Change = query.Metrics.Select((m, i) => Change(m, old.Metrics[i], row.Metrics[i])).ToList() };
        }).ToList();
        return result with { Rows = rows };
    }

    public async Task<QueryResult> RunAsync(ReportQuery query, CancellationToken cancellationToken)
    {
        return await RunAsync(await WithGoalsAsync(query, cancellationToken), comparisonRun: false, cancellationToken);
    }

    /// <summary>
    /// Runs the queries of one view, as the dashboard asks for its top stats and panels. The events halves of breakdowns
    /// over raw events with one range and filter (<see cref="Shareable"/>) are read in one scan
    /// (<see cref="ReportSql.SharedEvents"/>: four such panels under a filter cost what two did alone), and so are those
    /// of unfiltered breakdowns over the daily rollup (<see cref="ReportSql.SharedDaily"/>: one statement instead of one
    /// per panel). The sessions halves that look their visits up by the same events (the top stats and panels under a
    /// page filter) are read in one statement too (<see cref="SharedVisitsAsync"/>). Every other half runs alone. Each answer is the one
    /// <see cref="RunAsync(ReportQuery, CancellationToken)"/> gives.
    /// </summary>
    public async Task<IReadOnlyList<QueryResult>> RunAllAsync(IReadOnlyList<ReportQuery> queries, CancellationToken cancellationToken)
    {
        var results = new QueryResult[queries.Count];
        var checkedQueries = new List<(int Index, ReportQuery Query, string? Skipped)>();
        var counted = new Dictionary<(long, ReportRange), int>();
        for (var i = 0; i < queries.Count; i++)
        {
            var query = await WithGoalsAsync(queries[i], cancellationToken);
            var skipped = await CheckAsync(query, validate: true, cancellationToken);
            checkedQueries.Add((i, await WithSampleAsync(query, counted, cancellationToken), skipped));
        }

        var visits = await SharedVisitsAsync(checkedQueries, cancellationToken);
        var shared = new List<(int Index, ReportQuery Query, string? Skipped)>();
        foreach (var (i, query, skipped) in checkedQueries)
        {
            if (Shareable(query) && !(query.IncludeImports && skipped is null)) // imports merge into a query's own scan
            {
                shared.Add((i, query, skipped));
            }
            else
            {
                var (rows, leads) = visits.GetValueOrDefault(i);
                results[i] = await ResultAsync(query, skipped, cancellationToken, leads ? rows : null, leads ? null : rows);
            }
        }

        while (shared.Count > 0)
        {
            var first = shared[0].Query;
            var scan = shared.Where(s => SameScan(s.Query, first)).ToList();
            shared.RemoveAll(scan.Contains);
            // One set per stored dimension: a country's name is its code's rows (the same label and value), named after.
            var dimensions = scan.Select(s => s.Query.Dimensions[0]).DistinctBy(d => d.StoredName).ToList();
            IReadOnlyList<Dictionary<string, JsonElement>> rows = [];
            Dictionary<int, long> totals = [];
            var sample = 1;
            if (dimensions.Count > 1)
            {
                // Every query of the scan has the same order (visitors, then the dimension: d0), so one shape pages them all.
                var shape = new ReportSql.Shape(Order(first).Select(o => SqlOrder(o, first) + (o.Descending ? " DESC" : " ASC")).Append("k").ToList(), scan.Max(s => s.Query.Limit));
                var source = Plan(first).Events!.Value;
                sample = Sample(source, first, imports: false);
                if (source == TableSource.Daily && Leaders.Serve(shape.Limit!.Value))
                {
                    (rows, totals) = await SharedDailyAsync(first, dimensions, shape, cancellationToken);
                }
                else
                {
                    var sql = new ReportSql(first, sample);
                    rows = await clickHouse.QueryAsync<Dictionary<string, JsonElement>>(
                        source == TableSource.Daily ? sql.SharedDaily(dimensions, shape) : sql.SharedEvents(source, dimensions, first.Filter, shape), sql.Parameters, cancellationToken: cancellationToken);
                }
            }

            foreach (var (index, query, skipped) in scan)
            {
                var set = dimensions.FindIndex(d => d.StoredName == query.Dimensions[0].StoredName);
                var lead = dimensions.Count > 1 ? Side(rows.Where(r => (int)Number(r["g"]) == set).Take(query.Limit), query.Dimensions, sample) : null;
                lead = lead is not null && totals.TryGetValue(set, out var total) ? lead with { Total = total } : lead;
                results[index] = await ResultAsync(query, skipped, cancellationToken, lead, visits.GetValueOrDefault(index).Rows);
            }
        }

        return results;
    }

    /// <summary>
    /// The events halves of unfiltered breakdowns over the daily rollup, one set per dimension, in one statement
    /// (<see cref="ReportSql.SharedDaily"/>), the sketches merged in each set only for the groups that can be on its
    /// first page (<see cref="Leaders"/>), and the number of groups of each set read among its leaders (the statement's
    /// own count is of those).
    /// </summary>
    private async Task<(IReadOnlyList<Dictionary<string, JsonElement>> Rows, Dictionary<int, long> Totals)> SharedDailyAsync(ReportQuery first, IReadOnlyList<Dimension> dimensions, ReportSql.Shape shape, CancellationToken cancellationToken)
    {
        var (limit, bounds) = (shape.Limit!.Value, new ReportSql(first));
        var leaders = Leaders.Of(await clickHouse.QueryAsync<Dictionary<string, JsonElement>>(bounds.SharedDailyBounds(dimensions, Leaders.Read(limit)), bounds.Parameters, cancellationToken: cancellationToken));
        var (rows, among) = await leaders.ReadAsync(0, limit, async among =>
        {
            var sql = new ReportSql(first);
            return await clickHouse.QueryAsync<Dictionary<string, JsonElement>>(sql.SharedDaily(dimensions, shape with { Among = among }), sql.Parameters, cancellationToken: cancellationToken);
        });
        return (rows, among.Keys.ToDictionary(set => set, set => leaders.Total(set, among)!.Value));
    }

    /// <summary>
    /// The sessions halves of a view's queries that look their visits up by the same events (a filter on pages, say:
    /// <see cref="ReportSql.LooksUpVisits"/>), read in one statement (<see cref="ReportSql.SharedSessions"/>), by query
    /// index: a half that leads its breakdown as its page of rows (<c>Leads</c>), any other as every group. The lookup
    /// is most of such a half's time, so a view's top stats and panels pay for it once.
    /// </summary>
    private async Task<Dictionary<int, (SideResult Rows, bool Leads)>> SharedVisitsAsync(IReadOnlyList<(int Index, ReportQuery Query, string? Skipped)> queries, CancellationToken cancellationToken)
    {
        var candidates = queries.Where(q => !(q.Query.IncludeImports && q.Skipped is null))
            .Select(q => (q.Index, q.Query, Lead: SharedVisitsLead(q.Query))).Where(c => c.Lead is not null).ToList();
        var found = new Dictionary<int, (SideResult, bool)>();
        while (candidates.Count > 0)
        {
            var first = candidates[0].Query;
            var group = candidates.Where(c => SameView(c.Query, first)).ToList();
            candidates.RemoveAll(group.Contains);
            if (group.Count < 2)
            {
                continue;
            }

            // One set per stored dimension: a country's name is its code's rows, named after (Side).
            var dimensions = group.SelectMany(c => c.Query.Dimensions).DistinctBy(d => d.StoredName).ToList();
            if (dimensions.Count == 0)
            {
                continue; // totals asked twice: nothing to share
            }

            var sample = Sample(TableSource.Sessions, first, imports: false);
            var sql = new ReportSql(first, sample);
            var rows = await clickHouse.QueryAsync<Dictionary<string, JsonElement>>(sql.SharedSessions(dimensions, first.Filter!), sql.Parameters, cancellationToken: cancellationToken);
            foreach (var (index, query, lead) in group)
            {
                // A breakdown's groups are its set's; the totals are the sums of the first set's (ReportSql.SharedSessions).
                var groups = query.Dimensions is [var d] && dimensions.FindIndex(x => x.StoredName == d.StoredName) is var set
                    ? rows.Where(r => (int)Number(r["g"]) == set).ToList()
                    : Summed(rows.Where(r => (int)Number(r["g"]) == 0).ToList());
                var leads = lead == QuerySide.Sessions;
                found[index] = (Side(leads ? groups.Skip(query.Offset).Take(query.Limit) : groups, query.Dimensions, sample) with { Total = groups.Count }, leads);
            }
        }

        return found;
    }

    /// <summary>The totals of groups that part the visits (<see cref="ReportSql.SharedSessions"/>): each sum over them all, in one row; none for none.</summary>
    private static List<Dictionary<string, JsonElement>> Summed(List<Dictionary<string, JsonElement>> groups)
        => groups.Count == 0
            ? []
            : [groups[0].Keys.Where(IsValue).ToDictionary(name => name, name => JsonSerializer.SerializeToElement(groups.Sum(r => Number(r[name]))), StringComparer.Ordinal)];

    /// <summary>
    /// Which half leads a query whose sessions half can be read with others' (<see cref="SharedVisitsAsync"/>), or null
    /// when it cannot. It can when it reads the sessions table and looks its visits up by their events, and is totals
    /// (their visits are used as read: <see cref="QuerySide.Events"/>) or a breakdown by one visit attribute led by its
    /// events half, or by its sessions half in the order <see cref="ReportSql.SharedSessions"/> gives
    /// (<see cref="QuerySide.Sessions"/>: its page is cut from those rows).
    /// </summary>
    private static QuerySide? SharedVisitsLead(ReportQuery query)
    {
        if (query.Dimensions.Any(d => d.Name == GoalMatching.DimensionName || d.Name == "event:name") || Filters.Conditions(query.Filter).Any(c => c.Dimension.Name == "event:hostname" || GoalMatching.IsGoal(c)))
        {
            return null; // AnswerAsync changes these queries' filters
        }

        var (events, sessions) = Plan(query);
        if (sessions is not { } source || !ReportSql.LooksUpVisits(source, query.Dimensions, query.Filter))
        {
            return null;
        }

        if (query.Dimensions.Count == 0)
        {
            return QuerySide.Events;
        }

        var order = Order(query);
        return LeadSide(query, order, events, sessions) switch
        {
            QuerySide.Events => QuerySide.Events,
            QuerySide.Sessions when order.Select(o => SqlOrder(o, query) + (o.Descending ? " DESC" : " ASC")).Append("k").SequenceEqual(ReportSql.SharedSessionsOrder) => QuerySide.Sessions,
            _ => null,
        };
    }

    /// <summary>
    /// Whether two queries are of one view: one property, range, zone, source and filter (the same one: a view's queries
    /// share it), so they read the same visits (<see cref="SharedVisitsAsync"/>).
    /// </summary>
    private static bool SameView(ReportQuery a, ReportQuery b)
        => a.PropertyId == b.PropertyId && a.Range == b.Range && a.Zone == b.Zone && a.Source == b.Source && ReferenceEquals(a.Filter, b.Filter);

    /// <summary>The metrics of queries that share a scan: their events half reads the same sums (no engagement, no revenue).</summary>
    private static readonly HashSet<Metric> SharedMetrics =
        [Metric.Visitors, Metric.Pageviews, Metric.Events, Metric.Percentage, Metric.Visits, Metric.BounceRate, Metric.VisitDuration, Metric.ViewsPerVisit];

    /// <summary>
    /// Whether a query can share its events half with others (<see cref="RunAllAsync"/>): a breakdown by one visit or
    /// event attribute (not a list, not names or goals) led by visitors, the first page in the usual order, with the
    /// events half read from raw events (a filter the rollups cannot answer) or, without a filter, from the daily
    /// rollup, and no condition that changes what it reads (hostnames, goals). Its sessions half, if any, is still read
    /// for its own rows.
    /// </summary>
    private static bool Shareable(ReportQuery query)
        => query.Metrics is [Metric.Visitors, ..] && query.Metrics.All(SharedMetrics.Contains) && query.Offset == 0 && query.OrderBy.Count == 0
           && query.Dimensions is [{ Scope: DimensionScope.Visit or DimensionScope.Event, IsArray: false } dimension] && dimension.Name != "event:name"
           && !Filters.Conditions(query.Filter).Any(c => c.Dimension.Name == "event:hostname" || GoalMatching.IsGoal(c))
           && Plan(query).Events is { } events && events is not (TableSource.PropertyRollup or TableSource.HourlyRollup)
           && (events != TableSource.Daily || query.Filter is null);

    /// <summary>Whether two shareable queries read the same rows: of one view (<see cref="SameView"/>), from the same table (the daily rollup, or raw events).</summary>
    private static bool SameScan(ReportQuery a, ReportQuery b) => SameView(a, b) && Plan(a).Events == Plan(b).Events;

    /// <summary>The query with its property's goals, read when it names event:goal and does not carry them.</summary>
    private async Task<ReportQuery> WithGoalsAsync(ReportQuery query, CancellationToken cancellationToken)
    {
        if (query.Goals is not null)
        {
            return query;
        }

        var named = query.Dimensions.Any(d => d.Name == GoalMatching.DimensionName) || Filters.Conditions(query.Filter).Any(GoalMatching.IsGoal);
        if (!named)
        {
            return query with { Goals = [] };
        }

        var store = goalStore ?? throw new InvalidOperationException("This engine has no goal store: give the query its goals.");
        return query with { Goals = await store.ListAsync(query.PropertyId, cancellationToken) };
    }

    /// <summary>
    /// The query with <see cref="ReportQuery.SampleOneIn"/> decided, unless it says: one visitor in N when its range
    /// holds more than <see cref="ReportOptions.SampleAbove"/> rows of events, N the smallest that brings them under it
    /// (at most <see cref="MaxSampleOneIn"/>), else every visitor. The count comes from the daily rollup
    /// (<see cref="ReportSql.EventCount"/>), once per property and range in <paramref name="counted"/>, and only for a
    /// (validated) query the planner answers from raw events or the sessions table: the rollups' never pay for it.
    /// </summary>
    private async Task<ReportQuery> WithSampleAsync(ReportQuery query, Dictionary<(long, ReportRange), int>? counted, CancellationToken cancellationToken)
    {
        if (query.SampleOneIn is not null || options is not { SampleAbove: > 0 } sampling
            || Plan(WithVisitHostnames(query)) is var (eventSource, sessionSource) && !Samplable(eventSource) && !Samplable(sessionSource))
        {
            return query;
        }

        if (counted is null || !counted.TryGetValue((query.PropertyId, query.Range), out var oneIn))
        {
            var sql = new ReportSql(query);
            var events = Number((await clickHouse.QueryAsync<Dictionary<string, JsonElement>>(sql.EventCount(), sql.Parameters, cancellationToken: cancellationToken))[0]["n"]);
            oneIn = (int)Math.Clamp(Math.Ceiling(events / sampling.SampleAbove), 1, MaxSampleOneIn);
            counted?.Add((query.PropertyId, query.Range), oneIn);
        }

        return query with { SampleOneIn = oneIn };
    }

    /// <summary>The sample a half reads from <paramref name="source"/>: the query's, for the raw tables alone, unless imported history merges into it.</summary>
    private static int Sample(TableSource source, ReportQuery query, bool imports)
        => Samplable(source) && !imports ? query.SampleOneIn ?? 1 : 1;

    /// <summary>Whether a half read from <paramref name="source"/> can be sampled: raw events and the sessions table, never a rollup.</summary>
    private static bool Samplable(TableSource? source) => source is TableSource.Raw or TableSource.Sessions;

    /// <summary>The visits that started in the query's range and pass its filter, newest first (the sessions list).</summary>
    public async Task<IReadOnlyList<SessionSummary>> SessionsAsync(ReportQuery query, int limit, int offset, CancellationToken cancellationToken)
    {
        query = await WithGoalsAsync(query, cancellationToken);
        Validate(query with { Metrics = [Metric.Visits], Dimensions = [], OrderBy = [] });
        await ValidatePatternsAsync(query.Filter, cancellationToken);
        var sql = new ReportSql(query);
        return await clickHouse.QueryAsync<SessionSummary>(sql.SessionList(query.Filter, limit, offset), sql.Parameters, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// A funnel over the query's range and filter: for each visitor, the furthest step reached with the steps' goals
    /// completed in order, the last within 24 hours of the first (ClickHouse's <c>windowFunnel</c> per visitor, as
    /// Plausible's), counted exactly.
    /// </summary>
    public async Task<FunnelResult> FunnelAsync(ReportQuery query, Funnel funnel, CancellationToken cancellationToken)
    {
        // A funnel is of visits, which imports do not have: its visitors are the native ones.
        // Counted exactly, so its visitors of the range too (a funnel reads one statement, not a view's dozen).
        query = await WithGoalsAsync(query with { Metrics = [Metric.Visitors], Dimensions = [], OrderBy = [], IncludeImports = false, SampleOneIn = 1 }, cancellationToken);
        Validate(query);
        await ValidatePatternsAsync(query.Filter, cancellationToken);
        var sql = new ReportSql(query);

        // All visitors: the range's (the dashboard's count), asked beside the funnel; never fewer than entered.
        var range = RunAsync(query, comparisonRun: true, cancellationToken);
        var funnelRows = clickHouse.QueryAsync<Dictionary<string, JsonElement>>(sql.Funnel(funnel.Steps, query.Filter), sql.Parameters, cancellationToken: cancellationToken);
        await Task.WhenAll(range, funnelRows);
        var levels = (await funnelRows).ToDictionary(r => (int)Number(r["level"]), r => (long)Number(r["visitors"]));
        var reached = Enumerable.Range(1, funnel.Steps.Count).Select(step => levels.Where(l => l.Key >= step).Sum(l => l.Value)).ToList();
        var all = Math.Max(reached[0], (long)(await range).Rows.Single().Metrics[0]);
        static double Percent(long part, long whole) => whole == 0 ? 0 : Math.Round(100.0 * part / whole, 2);
        var steps = funnel.Steps.Select((goal, i) =>
        {
            var previous = i == 0 ? reached[0] : reached[i - 1];
            return new FunnelStep(goal.DisplayName, reached[i], Percent(reached[i], reached[0]), i == 0 ? (reached[0] == 0 ? 0 : 100) : Percent(reached[i], previous),
                previous - reached[i], Percent(previous - reached[i], previous));
        }).ToList();
        return new FunnelResult(funnel.Name, all, reached[0], Percent(reached[0], all), all - reached[0], Percent(all - reached[0], all), steps);
    }

    /// <summary>
    /// Under a hostname filter, a breakdown by where visits came from (source, channel, referrer, UTM tags, entry page)
    /// counts the visits that entered on that hostname, and one by exit page those that left from it, as Plausible's
    /// does: otherwise the referrers of a site's other hostnames would show. The filter is applied again to the entry
    /// (or exit) page's hostname.
    /// </summary>
    private static ReportQuery WithVisitHostnames(ReportQuery query)
    {
        var hostnames = Filters.TopLevel(query.Filter).Where(c => c.Dimension.Name == "event:hostname").ToList();
        var extra = hostnames.Count == 0 ? [] : query.Dimensions
            .Select(d => d.Name switch
            {
                "visit:source" or "visit:channel" or "visit:referrer" or "visit:entry_page" or "visit:utm_source" or "visit:utm_medium"
                    or "visit:utm_campaign" or "visit:utm_content" or "visit:utm_term" => "visit:entry_page_hostname",
                "visit:exit_page" => "visit:exit_page_hostname",
                _ => null,
            })
            .OfType<string>().Distinct()
            .SelectMany(name => hostnames.Select(c => (Filter)(c with { Dimension = Dimension.Parse(name, "filters") })))
            .ToList();
        return extra.Count == 0 ? query : query with { Filter = Filters.Both(query.Filter, new AllOf(extra)) };
    }

    /// <summary>The plan the engine would use, for tests and the response's meta.</summary>
    public static QueryPlan Explain(ReportQuery query)
    {
        var (events, sessions) = Plan(WithVisitHostnames(query));
        return new QueryPlan(events?.ToString(), sessions?.ToString());
    }

    private async Task<QueryResult> RunAsync(ReportQuery query, bool comparisonRun, CancellationToken cancellationToken)
    {
        var skipped = await CheckAsync(query, validate: !comparisonRun, cancellationToken);
        return await ResultAsync(await WithSampleAsync(query, null, cancellationToken), skipped, cancellationToken);
    }

    /// <summary>Validates a query (unless it was already) and says why imported history does not merge into it (null: it does).</summary>
    private async Task<string?> CheckAsync(ReportQuery query, bool validate, CancellationToken cancellationToken)
    {
        if (validate)
        {
            Validate(query);
            await ValidatePatternsAsync(query.Filter, cancellationToken);
        }

        return query.IncludeImports ? await ImportsSkipReasonAsync(query, cancellationToken) : null;
    }

    /// <summary>The answer, with imports merged unless <paramref name="skipped"/> says why not (<see cref="CheckAsync"/>).</summary>
    /// <param name="read">The leading half's rows, already read with others' (<see cref="RunAllAsync"/>).</param>
    /// <param name="visits">The sessions half's every group, already read with others' (<see cref="SharedVisitsAsync"/>).</param>
    private async Task<QueryResult> ResultAsync(ReportQuery query, string? skipped, CancellationToken cancellationToken, SideResult? read = null, SideResult? visits = null)
    {
        var imports = query.IncludeImports && skipped is null;
        return await AnswerAsync(query, imports, cancellationToken, read, visits) with { ImportsIncluded = imports, ImportsSkipReason = skipped };
    }

    /// <param name="imports">Whether imported history merges into each half (<see cref="ImportsSkipReasonAsync"/> said it may).</param>
    /// <param name="read">The leading half's rows, already read with others' (<see cref="RunAllAsync"/>).</param>
    /// <param name="visits">The sessions half's every group, already read with others' (<see cref="SharedVisitsAsync"/>).</param>
    private async Task<QueryResult> AnswerAsync(ReportQuery query, bool imports, CancellationToken cancellationToken, SideResult? read = null, SideResult? visits = null)
    {
        if (query.Dimensions.Any(d => d.Name == "event:name"))
        {
            // Engagement pings are the tracker's bookkeeping, not events a visitor did: a breakdown by name leaves them out, as Plausible's does.
            query = query with { Filter = Filters.Both(query.Filter, new Condition(FilterOperator.IsNot, Dimension.Parse("event:name", "dimensions"), ["engagement"])) };
        }

        if (query.Dimensions.Any(d => d.Name == GoalMatching.DimensionName))
        {
            // By goal: only the events that complete a listed goal are read (the test uses the table's key on names).
            var listed = GoalMatching.Listed(query.Goals ?? [], query.Filter);
            if (listed.Count == 0)
            {
                return new QueryResult(query, [], 0, new QueryPlan(null, null));
            }

            query = query with { Filter = Filters.Both(query.Filter, new Condition(FilterOperator.Is, Dimension.Parse(GoalMatching.DimensionName, "dimensions"), listed.Select(g => g.DisplayName).ToList())) };
        }

        query = WithVisitHostnames(query);
        var (eventSource, sessionSource) = Plan(query);
        var plan = new QueryPlan(eventSource?.ToString(), sessionSource?.ToString());
        var sampled = Math.Max(eventSource is { } es ? Sample(es, query, imports) : 1, sessionSource is { } ss ? Sample(ss, query, imports) : 1);
        var order = Order(query);
        var time = query.Dimensions.FirstOrDefault(d => d.IsTime);
        if (query.Dimensions.Count == 0 || (time is not null && query.Dimensions.Count == 1))
        {
            // Aggregates and time series: every group, in C# (a series is at most a few thousand buckets).
            var events = eventSource is { } e ? await SideAsync(QuerySide.Events, e, query, query.Dimensions, query.Filter, ReportSql.Shape.All, imports, cancellationToken) : null;
            var sessions = visits ?? (sessionSource is { } s ? await SideAsync(QuerySide.Sessions, s, query, query.Dimensions, query.Filter, ReportSql.Shape.All, imports, cancellationToken) : null);
            var buckets = time is null ? [] : TimeBuckets.Split(query.Range, query.Zone, time.Interval, query.WeekStart);
            IReadOnlyList<string[]> keys = time is null ? [[]] : buckets.Select(b => new[] { ReportSql.BucketKey(b, time.Interval) }).ToList();
            var rows = await ComposeAsync(query, keys, events, sessions, eventSource, imports, cancellationToken);
            var sorted = Sort(rows, order, query, buckets);
            return new QueryResult(query, sorted.Skip(query.Offset).Take(query.Limit).ToList(), sorted.Count, plan) { TimeBuckets = buckets, SampledOneIn = sampled };
        }

        var lead = LeadSide(query, order, eventSource, sessionSource);
        if (lead is { } side)
        {
            // Order and page in SQL on the half that holds every ordering metric; the other half fetches those rows only.
            var shape = new ReportSql.Shape(order.Select(o => SqlOrder(o, query) + (o.Descending ? " DESC" : " ASC")).Append("k").ToList(), query.Limit, query.Offset, Total: true);
            var leadRows = read ?? await SideAsync(side, side == QuerySide.Events ? eventSource!.Value : sessionSource!.Value, query, query.Dimensions, query.Filter, shape, imports, cancellationToken);
            var keys = leadRows.Keys.Select(k => leadRows.Rows[k].Dimensions).ToList();
            var followSide = side == QuerySide.Events ? QuerySide.Sessions : QuerySide.Events;
            var followSource = side == QuerySide.Events ? sessionSource : eventSource;
            var follow = followSide == QuerySide.Sessions && visits is not null ? visits
                : followSource is { } f && keys.Count > 0
                ? await SideAsync(followSide, f, query, query.Dimensions, query.Filter, new ReportSql.Shape([], Keys: leadRows.Rows.Values.Select(r => r.Hash).Distinct().ToList()), imports, cancellationToken)
                : null;
            var rows = await ComposeAsync(query, keys, side == QuerySide.Events ? leadRows : follow, side == QuerySide.Sessions ? leadRows : follow, eventSource, imports, cancellationToken);
            var total = leadRows.Rows.Count == 0 ? await CountAsync(side, side == QuerySide.Events ? eventSource!.Value : sessionSource!.Value, query, imports, cancellationToken) : leadRows.Total;
            return new QueryResult(query, rows.Select(r => r.Row).ToList(), total, plan) { SampledOneIn = sampled };
        }

        // Ordered by a metric that needs both halves: every group, ordered here.
        var allEvents = eventSource is { } ae ? await SideAsync(QuerySide.Events, ae, query, query.Dimensions, query.Filter, ReportSql.Shape.All, imports, cancellationToken) : null;
        var allSessions = sessionSource is { } asrc ? await SideAsync(QuerySide.Sessions, asrc, query, query.Dimensions, query.Filter, ReportSql.Shape.All, imports, cancellationToken) : null;
        var allKeys = (allEvents?.Rows.Values.AsEnumerable() ?? []).Concat(allSessions?.Rows.Values.AsEnumerable() ?? []).Select(r => r.Dimensions)
            .DistinctBy(d => string.Join('\u001f', d)).ToList();
        var all = await ComposeAsync(query, allKeys, allEvents, allSessions, eventSource, imports, cancellationToken);
        var ordered = Sort(all, order, query, time is null ? [] : TimeBuckets.Split(query.Range, query.Zone, time.Interval, query.WeekStart));
        return new QueryResult(query, ordered.Skip(query.Offset).Take(query.Limit).ToList(), ordered.Count, plan) { SampledOneIn = sampled };
    }

    /// <summary>
    /// Compiles every "matches" pattern with the very function the report runs it with (<c>multiMatchAny</c>, whose
    /// engine refuses some patterns RE2 takes, such as large repeats), so a bad one is the caller's 400.
    /// </summary>
    private async Task ValidatePatternsAsync(Filter? filter, CancellationToken cancellationToken)
    {
        foreach (var condition in Filters.Conditions(filter).Where(c => c.Operator is FilterOperator.Matches or FilterOperator.MatchesNot))
        {
            foreach (var pattern in condition.Values)
            {
                try
                {
                    await clickHouse.ExecuteAsync("SELECT multiMatchAny('', {patterns:Array(String)})", new { patterns = new[] { ReportSql.Pattern(pattern, condition.CaseSensitive) } }, cancellationToken: cancellationToken);
                }
                catch (ClickHouseException e)
                {
                    throw new FieldValidationException("filters", $"'{pattern}' ({condition.Dimension.Name}) is not a regular expression this server can run: {e.Message.Split(" (", 2)[0]}");
                }
            }
        }
    }

    private static void Validate(ReportQuery query)
    {
        if (query.Metrics.Count == 0)
        {
            throw new FieldValidationException("metrics", "name at least one metric.");
        }

        if (query.Metrics.GroupBy(m => m).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new FieldValidationException("metrics", $"{Metrics.Name(twice.Key)} is listed twice.");
        }

        if (query.Dimensions.Count(d => d.IsTime) > 1)
        {
            throw new FieldValidationException("dimensions", "use at most one time dimension.");
        }

        if (query.Dimensions.Select(d => d.Name).Distinct().Count() != query.Dimensions.Count)
        {
            throw new FieldValidationException("dimensions", "a dimension is listed twice.");
        }

        if (query.Limit is < 1 or > MaxLimit)
        {
            throw new FieldValidationException("limit", $"the limit must be between 1 and {MaxLimit}.");
        }

        if (query.Offset < 0)
        {
            throw new FieldValidationException("offset", "the offset cannot be negative.");
        }

        foreach (var condition in Filters.Conditions(query.Filter))
        {
            if (condition.Dimension.IsTime)
            {
                throw new FieldValidationException("filters", $"'{condition.Dimension.Name}' cannot be filtered on; the date range chooses the time.");
            }

            if (condition.Dimension.Name == "visit:country_name")
            {
                throw new FieldValidationException("filters", "visit:country_name is for breakdowns; filter by visit:country, with 2-letter codes.");
            }

            if (condition.Values.Count is 0 or > MaxValues)
            {
                throw new FieldValidationException("filters", $"a filter on '{condition.Dimension.Name}' needs 1 to {MaxValues} values.");
            }

            if (condition is { Dimension.Name: "visit:country", Operator: FilterOperator.Is or FilterOperator.IsNot } && condition.Values.FirstOrDefault(v => v.Length != 2 || !v.All(char.IsAsciiLetter)) is { } code)
            {
                throw new FieldValidationException("filters", $"visit:country takes 2-letter country codes (ISO 3166-1), not '{code}'.");
            }
        }

        // Bounces and durations belong to visits: an event's name, hostname or property does not split them (a page
        // does, by the visits that entered on it), as Plausible has it.
        if (query.Metrics.FirstOrDefault(m => m is Metric.BounceRate or Metric.VisitDuration) is var visitMetric and (Metric.BounceRate or Metric.VisitDuration)
            && query.Dimensions.FirstOrDefault(d => d.Scope == DimensionScope.Event && d.Name != "event:page") is { } eventDimension)
        {
            throw new FieldValidationException("metrics", $"{Metrics.Name(visitMetric)} is a visit's metric and cannot be broken down by the event dimension {eventDimension.Name}.");
        }

        if (query.Metrics.Contains(Metric.ViewsPerVisit) && query.Dimensions.FirstOrDefault(d => !d.IsTime) is { } byDimension)
        {
            throw new FieldValidationException("metrics", $"views_per_visit cannot be broken down by {byDimension.Name}.");
        }

        if (query.Metrics.Contains(Metric.ViewsPerVisit) && Filters.OnEvents(query.Filter))
        {
            throw new FieldValidationException("metrics", "views_per_visit cannot be combined with filters on event dimensions.");
        }

        foreach (var behaviour in Filters.Behaviours(query.Filter))
        {
            if (Filters.Behaviours(behaviour.Filter).Any() || Filters.Conditions(behaviour.Filter).FirstOrDefault(c => c.Dimension.Scope != DimensionScope.Event) is { })
            {
                throw new FieldValidationException("filters", "has_done and has_not_done take conditions on events (event:name, event:goal, event:page, event:props:...), not another has_done or a visit's attributes.");
            }
        }

        GoalMatching.Validate(query.Filter, query.Goals ?? []);
        var countsGoals = GoalMatching.CountsGoals(query.Dimensions, query.Filter);
        if (query.Metrics.FirstOrDefault(m => Metrics.IsConversionMetric(m) || m == Metric.AverageRevenue) is var goalMetric
            and (Metric.ConversionRate or Metric.GroupConversionRate or Metric.AverageRevenue) && !countsGoals)
        {
            throw new FieldValidationException("metrics", $"{Metrics.Name(goalMetric)} can only be queried with an event:goal filter or dimension.");
        }

        foreach (var order in query.OrderBy)
        {
            if (!Metrics.TryParse(order.Field, out var metric) ? query.Dimensions.All(d => d.Name != order.Field) : !query.Metrics.Contains(metric))
            {
                throw new FieldValidationException("order_by", $"'{order.Field}' is not one of the query's metrics or dimensions.");
            }
        }
    }

    /// <summary>The fastest source for each half, or null when the query needs none of that half.</summary>
    private static (TableSource? Events, TableSource? Sessions) Plan(ReportQuery query)
    {
        var needEvents = query.Metrics.Any(Metrics.IsEventMetric);
        var needSessions = query.Metrics.Any(Metrics.IsSessionMetric);
        var fallback = query.Source == ReportSource.Raw ? TableSource.Raw : TableSource.Sessions;
        if (Filters.Behaviours(query.Filter).Any())
        {
            // Which visits did something is known from their events only.
            return (needEvents ? fallback : null, needSessions ? fallback : null);
        }

        const long Grid = 15 * TimeSpan.TicksPerMinute; // the rollups' bucket
        var onGrid = query.Range.From.ToUnixTimeTicks() % Grid == 0 && query.Range.To.ToUnixTimeTicks() % Grid == 0;
        var rollups = query.Source == ReportSource.Rollup && onGrid;
        var conditions = Filters.Conditions(query.Filter).ToList();
        var onlyTime = query.Dimensions.All(d => d.IsTime);

        // Without a time dimension, ranges that hold whole days (of the rollups' zone) are answered from the daily rollup.
        string? Daily(IReadOnlyList<Dimension> dimensions, Filter? filter)
            => query.Source == ReportSource.Rollup && !dimensions.Any(d => d.IsTime) && ReportSql.WholeDays(query.Range, query.DayZone) is not null
                ? ReportSql.DailyDimension(dimensions, filter)
                : null;
        var dailyDimension = Daily(query.Dimensions, query.Filter);
        // No rollup answers conversion rates; the totals rollups keep no revenue, time on page or scroll depth either.
        var dailyMetrics = !query.Metrics.Contains(Metric.ConversionRate);
        var totalMetrics = dailyMetrics && query.Metrics.All(m => m is not (Metric.TotalRevenue or Metric.ScrollDepth or Metric.TimeOnPage));

        // Totals over time: by the hour where every edge is a whole UTC hour, by the quarter hour elsewhere.
        var totals = ReportSql.OnHours(query.Range, query.Zone) ? TableSource.HourlyRollup : TableSource.PropertyRollup;
        // Totals (no dimension but time, no filter) on whole hours come from the hourly rollup, whatever the range: its
        // hours at the ends take the place of raw events and sessions around the whole days (ReportSql.HourlyRows).
        var hourlyTotals = rollups && onlyTime && conditions.Count == 0 && totals == TableSource.HourlyRollup;

        // By goal, over whole days, filtered by goals alone: the daily rollup's name, pageview and revenue rows for the
        // goals it holds.
        var listedGoals = GoalMatching.Listed(query.Goals ?? [], query.Filter);
        var goalsDaily = query.Source == ReportSource.Rollup && ReportSql.WholeDays(query.Range, query.DayZone) is not null
            && query.Dimensions is [{ Name: GoalMatching.DimensionName }] && conditions.All(GoalMatching.IsGoal) && listedGoals.Any(GoalMatching.FromRollup)
            && query.Metrics.All(m => m is Metric.Visitors or Metric.Events or Metric.Pageviews or Metric.ConversionRate or Metric.GroupConversionRate
                or Metric.TotalRevenue or Metric.AverageRevenue);

        TableSource? events = null;
        if (goalsDaily)
        {
            events = TableSource.Daily;
        }
        else if (needEvents)
        {
            // Over time under a filter, day rows come before raw events; what is left of pages off whole days (an hourly
            // graph of a page, a range off the day grid) reads raw events, nearly as fast as a page rollup did (0030).
            events = hourlyTotals && totalMetrics ? totals
                : dailyDimension is not null && dailyMetrics ? TableSource.Daily
                : dailyMetrics && ReportSql.DailyTimeRoute(query) ? TableSource.Daily
                : rollups && totalMetrics && onlyTime && conditions.Count == 0 ? totals
                : fallback;
        }

        TableSource? sessions = null;
        if (needSessions)
        {
            // The sessions half reads its own view of the query (by a page: by the entry page). The daily rollup splits
            // session metrics by visit attributes only (a page is an event's, not a visit's).
            var (dimensions, filter) = ReportSql.SessionsView(query.Dimensions, query.Filter);
            var visitOnly = dimensions.Concat(Filters.Conditions(filter).Select(c => c.Dimension)).All(d => d.Scope == DimensionScope.Visit);
            sessions = hourlyTotals ? totals
                : Daily(dimensions, filter) is not null && visitOnly ? TableSource.Daily
                : rollups && onlyTime && filter is null ? totals
                : fallback;
        }

        return (events, sessions);
    }

    /// <summary>The explicit order, then time ascending, the first metric descending and the dimensions ascending.</summary>
    private static List<OrderBy> Order(ReportQuery query)
    {
        var order = query.OrderBy.ToList();
        if (query.Dimensions.FirstOrDefault(d => d.IsTime) is { } time && order.All(o => o.Field != time.Name))
        {
            order.Add(new OrderBy(time.Name, false));
        }

        var first = Metrics.Name(query.Metrics[0]);
        if (order.All(o => o.Field != first))
        {
            order.Add(new OrderBy(first, true));
        }

        order.AddRange(query.Dimensions.Where(d => order.All(o => o.Field != d.Name)).Select(d => new OrderBy(d.Name, false)));
        return order;
    }

    /// <summary>The half that can order the breakdown by itself in SQL, or null when an ordering metric needs both halves.</summary>
    private static QuerySide? LeadSide(ReportQuery query, List<OrderBy> order, TableSource? events, TableSource? sessions)
    {
        var sides = new HashSet<QuerySide>();
        foreach (var o in order)
        {
            if (!Metrics.TryParse(o.Field, out var metric))
            {
                continue;
            }

            switch (metric)
            {
                case Metric.ViewsPerVisit or Metric.ConversionRate or Metric.GroupConversionRate or Metric.AverageRevenue:
                    return null;
                case var m when Metrics.IsSessionMetric(m):
                    sides.Add(QuerySide.Sessions);
                    break;
                default:
                    sides.Add(QuerySide.Events);
                    break;
            }
        }

        return sides.Count switch
        {
            0 => events is not null ? QuerySide.Events : QuerySide.Sessions,
            1 => sides.Single(),
            _ => null,
        };
    }

    private static string SqlOrder(OrderBy order, ReportQuery query)
    {
        if (!Metrics.TryParse(order.Field, out var metric))
        {
            return $"d{query.Dimensions.ToList().FindIndex(d => d.Name == order.Field)}";
        }

        return metric switch
        {
            Metric.Visitors or Metric.Percentage => "visitors",
            Metric.Pageviews => "pageviews",
            Metric.Events => "events",
            Metric.TimeOnPage => "if(engaged_visits = 0, 0, engaged_ms / engaged_visits)",
            Metric.ScrollDepth => "if(engaged_visits = 0, 0, scroll_sum / engaged_visits)",
            Metric.TotalRevenue => "revenue",
            Metric.Visits => "visits",
            Metric.BounceRate => ReportSql.CountsEntries(ReportSql.SessionsView(query.Dimensions, query.Filter).Filter) ? "if(entries = 0, 0, bounces / entries)" : "if(visits = 0, 0, bounces / visits)",
            Metric.VisitDuration => "if(visits = 0, 0, duration_ms / visits)",
            _ => throw new InvalidOperationException($"{metric} is ordered in memory."),
        };
    }

    /// <summary>The dimensions imported history is kept by (<c>imported_breakdowns</c>, from Plausible's tables).</summary>
    private static readonly HashSet<string> ImportedDimensions =
    [
        "visit:source", "visit:channel", "visit:referrer", "visit:utm_source", "visit:utm_medium", "visit:utm_campaign", "visit:utm_content", "visit:utm_term",
        "event:page", "event:hostname", "visit:entry_page", "visit:exit_page", "visit:country", "visit:device", "visit:browser", "visit:os", "event:name",
        GoalMatching.DimensionName,
    ];

    /// <summary>
    /// The metrics a query with imported history may have: those imports have figures for, and time on page, scroll
    /// depth and revenue, which imports do not have (Plausible's export carries none of them), so those stay the native
    /// events' alone.
    /// </summary>
    private static readonly HashSet<Metric> ImportedMetrics =
    [
        Metric.Visitors, Metric.Visits, Metric.Pageviews, Metric.ViewsPerVisit, Metric.BounceRate, Metric.VisitDuration, Metric.Events, Metric.Percentage,
        Metric.TimeOnPage, Metric.ScrollDepth, Metric.TotalRevenue, Metric.ConversionRate,
    ];

    /// <summary>
    /// Null when imported history merges into the query, else why not, in Plausible's words and order: an hourly series
    /// (imports are days), no import at all, none in the range, or a query the imported rows cannot answer
    /// (<see cref="Importable"/>).
    /// </summary>
    private async Task<string?> ImportsSkipReasonAsync(ReportQuery query, CancellationToken cancellationToken)
    {
        if (query.Dimensions.Any(d => d.IsTime && d.Interval == TimeInterval.Hour))
        {
            return "unsupported_interval";
        }

        var (first, last) = (query.Range.FirstDay ?? LocalDate.MaxIsoValue, query.Range.LastDay ?? LocalDate.MinIsoValue);
        var days = (await clickHouse.QueryAsync<ImportedDays>(
            "SELECT count() AS days, countIf(date >= {first:Date} AND date <= {last:Date}) AS inside FROM imported_visitors WHERE property_id = {property:UInt64}",
            new { property = (ulong)query.PropertyId, first = first.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), last = last.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) },
            cancellationToken: cancellationToken))[0];
        return days.Days == 0 ? "no_imported_data"
            : days.Inside == 0 ? "out_of_range"
            : Importable(query) ? null : "unsupported_query";
    }

    private sealed record ImportedDays(ulong Days, ulong Inside);

    /// <summary>
    /// Whether imported rows answer the query as its native half does: its metrics are imported ones; it is by one
    /// imported dimension, or over time, or neither; its filter tests that dimension only (none over time unless it is
    /// that of the filter). Events are known by event name (and goal) only, visits by an event's page only as its
    /// breakdown counts them (by the entry page), and by a name or hostname not at all; goals in a breakdown by goal.
    /// </summary>
    private static bool Importable(ReportQuery query)
    {
        var by = query.Dimensions.Where(d => !d.IsTime).ToList();
        var filtered = Filters.Conditions(query.Filter).Select(c => c.Dimension.StoredName).Distinct(StringComparer.Ordinal).ToList();
        if (query.Metrics.Any(m => !ImportedMetrics.Contains(m)) || Filters.Behaviours(query.Filter).Any() || filtered.Count > 1 || (by.Count > 0 && query.Dimensions.Count > 1))
        {
            return false;
        }

        var named = by.Count == 1 ? by[0].StoredName : filtered.FirstOrDefault();
        if (named is null)
        {
            return !query.Metrics.Contains(Metric.Events);
        }

        if (!ImportedDimensions.Contains(named) || (filtered.Count == 1 && filtered[0] != named) || (query.Metrics.Contains(Metric.Events) && named is not ("event:name" or GoalMatching.DimensionName)))
        {
            return false;
        }

        // Goals merge into a breakdown by goal (the Goals panel; its conversion rate divides by all visitors, imported
        // ones too), not into a goal's totals or series.
        if (named == GoalMatching.DimensionName && by.Count == 0)
        {
            return false;
        }

        var eventScope = Dimension.Parse(named, "dimensions").Scope == DimensionScope.Event;
        return !eventScope || !query.Metrics.Any(Metrics.IsSessionMetric) || (named == "event:page" && by.Count == 1);
    }

    private sealed record SideRow(string[] Dimensions, ulong Hash, Dictionary<string, double> Values);

    private sealed record SideResult(Dictionary<string, SideRow> Rows, List<string> Keys, long Total);

    /// <param name="imports">Whether imported history merges into the groups (<see cref="ReportSql.WithImports"/>).</param>
    private async Task<SideResult> SideAsync(QuerySide side, TableSource source, ReportQuery query, IReadOnlyList<Dimension> dimensions, Filter? filter, ReportSql.Shape shape, bool imports, CancellationToken cancellationToken)
    {
        var sample = Sample(source, query, imports);
        var sql = new ReportSql(query, sample);
        if (side == QuerySide.Sessions)
        {
            (dimensions, filter) = ReportSql.SessionsView(dimensions, filter);
        }

        if (side == QuerySide.Events && source == TableSource.Daily && !imports && dimensions is [{ IsTime: false, Name: not GoalMatching.DimensionName } dimension]
            && shape is { Limit: not null, Keys: null, Among: null, OrderBy: ["visitors DESC", ..] } && Leaders.Serve(shape.Offset + shape.Limit.Value))
        {
            return await AmongTheMostEventsAsync(query, dimension, filter, shape, cancellationToken);
        }

        var native = imports ? ReportSql.Shape.All : shape;
        var text = side == QuerySide.Events ? sql.Events(source, dimensions, filter, native) : sql.Sessions(source, dimensions, filter, native);
        if (imports)
        {
            text = sql.WithImports(side, text, dimensions, filter, shape);
        }

        return Side(await clickHouse.QueryAsync<Dictionary<string, JsonElement>>(text, sql.Parameters, cancellationToken: cancellationToken), dimensions, sample);
    }

    /// <summary>
    /// A page of a breakdown over the daily rollup led by visitors, with only the sketches merged of the groups that can
    /// be on it (<see cref="Leaders"/>).
    /// </summary>
    private async Task<SideResult> AmongTheMostEventsAsync(ReportQuery query, Dimension dimension, Filter? filter, ReportSql.Shape shape, CancellationToken cancellationToken)
    {
        var (limit, bounds) = (shape.Limit!.Value, new ReportSql(query));
        var leaders = Leaders.Of(await clickHouse.QueryAsync<Dictionary<string, JsonElement>>(
            bounds.DailyEventBounds(dimension, filter, Leaders.Read(shape.Offset + limit)), bounds.Parameters, cancellationToken: cancellationToken));
        var (rows, among) = await leaders.ReadAsync(shape.Offset, limit, async among =>
        {
            var sql = new ReportSql(query);
            return await clickHouse.QueryAsync<Dictionary<string, JsonElement>>(
                sql.Events(TableSource.Daily, [dimension], filter, shape with { Total = among.Count == 0, Among = among }), sql.Parameters, cancellationToken: cancellationToken);
        });
        var side = Side(rows, [dimension], 1);
        return side with { Total = leaders.Total(0, among) ?? side.Total };
    }

    /// <summary>
    /// A half's rows as read: the groups in their order, each with its values (every one a sum or a count, so a sample
    /// of one visitor in <paramref name="sampleOneIn"/> is scaled by it), and the number of groups.
    /// </summary>
    private static SideResult Side(IEnumerable<Dictionary<string, JsonElement>> raw, IReadOnlyList<Dimension> dimensions, int sampleOneIn)
    {
        var rows = new Dictionary<string, SideRow>(StringComparer.Ordinal);
        var keys = new List<string>();
        long total = 0;
        foreach (var r in raw)
        {
            var dims = Enumerable.Range(0, dimensions.Count).Select(i => dimensions[i].Shown(r[$"d{i}"].GetString() ?? string.Empty)).ToArray();
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (name, value) in r)
            {
                if (IsValue(name))
                {
                    values[name] = Number(value) * sampleOneIn;
                }
            }

            var key = string.Join('\u001f', dims);
            rows[key] = new SideRow(dims, r.TryGetValue("k", out var k) ? Hash(k) : 0, values);
            keys.Add(key);
            total = r.TryGetValue("total", out var t) ? (long)Number(t) : total;
        }

        return new SideResult(rows, keys, total);
    }

    /// <summary>Whether a column of a side's row is a value (a sum or count), not its set, label, key or group count.</summary>
    private static bool IsValue(string column) => column is not ("k" or "total" or "g") && !(column.Length > 1 && column[0] == 'd' && char.IsAsciiDigit(column[1]));

    /// <summary>The number of groups when the requested page is past the last one.</summary>
    private async Task<long> CountAsync(QuerySide side, TableSource source, ReportQuery query, bool imports, CancellationToken cancellationToken)
    {
        var sql = new ReportSql(query, Sample(source, query, imports));
        var (dimensions, filter) = side == QuerySide.Events ? (query.Dimensions, query.Filter) : ReportSql.SessionsView(query.Dimensions, query.Filter);
        var inner = side == QuerySide.Events
            ? sql.Events(source, dimensions, filter, ReportSql.Shape.All)
            : sql.Sessions(source, dimensions, filter, ReportSql.Shape.All);
        inner = imports ? sql.WithImports(side, inner, dimensions, filter, ReportSql.Shape.All) : inner;
        var rows = await clickHouse.QueryAsync<Dictionary<string, JsonElement>>($"SELECT count() AS n FROM ({inner})", sql.Parameters, cancellationToken: cancellationToken);
        return (long)Number(rows[0]["n"]);
    }

    private sealed record Composed(string[] Key, ResultRow Row);

    /// <summary>Puts the halves together for each group key and computes the metrics (ratios, percentage, conversion rate).</summary>
    private async Task<List<Composed>> ComposeAsync(ReportQuery query, IEnumerable<string[]> keys, SideResult? events, SideResult? sessions, TableSource? eventSource, bool imports, CancellationToken cancellationToken)
    {
        double totalVisitors = 0;
        if (query.Metrics.Contains(Metric.Percentage) && eventSource is { } source)
        {
            var total = await SideAsync(QuerySide.Events, source, query, [], query.Filter, ReportSql.Shape.All, imports, cancellationToken);
            totalVisitors = total.Rows.Values.Single().Values["visitors"];
        }

        // Conversion rates, as Plausible's: converting visitors over the visitors without the goal and custom property
        // conditions, of the whole range (conversion_rate) or of the row's group, its goal aside (group_conversion_rate).
        var withoutGoals = WithoutGoals(query.Filter);
        async Task<Dictionary<string, SideRow>> VisitorsAsync(IReadOnlyList<Dimension> dimensions)
        {
            var (source, _) = Plan(query with { Filter = withoutGoals, Dimensions = dimensions, Metrics = [Metric.Visitors], OrderBy = [] });
            return (await SideAsync(QuerySide.Events, source!.Value, query, dimensions, withoutGoals, ReportSql.Shape.All, imports, cancellationToken)).Rows;
        }

        var allVisitors = query.Metrics.Contains(Metric.ConversionRate) ? (await VisitorsAsync([])).Values.Single().Values["visitors"] : 0;
        var groupDims = query.Dimensions.Where(d => d.Name != GoalMatching.DimensionName).ToList();
        var groupVisitors = query.Metrics.Contains(Metric.GroupConversionRate) ? await VisitorsAsync(groupDims) : null;

        // Revenue counts in the goals' currency: none (null metrics) when the row's goals have no one currency.
        var goals = query.Goals ?? [];
        var byGoal = query.Dimensions.ToList().FindIndex(d => d.Name == GoalMatching.DimensionName);
        var countsGoals = GoalMatching.CountsGoals(query.Dimensions, query.Filter);
        var filterGoals = GoalMatching.Listed(goals, query.Filter);
        var filterCurrency = GoalMatching.Currency(filterGoals);

        // A scroll goal's completions are engagement pings, not events anyone sent: events is null for its rows, and for
        // every row under a goal filter that names one (Plausible's rule).
        var scrollFiltered = Filters.TopLevel(query.Filter).Any(GoalMatching.IsGoal) && filterGoals.Any(g => g.Kind == GoalKind.Scroll);

        var list = new List<Composed>();
        foreach (var key in keys)
        {
            var joined = string.Join('\u001f', key);
            var e = events?.Rows.GetValueOrDefault(joined)?.Values;
            var s = sessions?.Rows.GetValueOrDefault(joined)?.Values;
            double E(string name) => e?.GetValueOrDefault(name) ?? 0;
            double S(string name) => s?.GetValueOrDefault(name) ?? 0;
            var groupKey = string.Join('\u001f', query.Dimensions.Select((d, i) => (d, i)).Where(x => x.d.Name != GoalMatching.DimensionName).Select(x => key[x.i]));
            var groupTotal = groupVisitors?.GetValueOrDefault(groupKey)?.Values.GetValueOrDefault("visitors") ?? 0;
            var rowGoal = byGoal >= 0 ? goals.FirstOrDefault(g => g.DisplayName == key[byGoal]) : null;
            var hasRevenue = !countsGoals || (byGoal >= 0 ? rowGoal?.Currency : filterCurrency) is not null;
            var eventsNull = byGoal >= 0 ? rowGoal?.Kind == GoalKind.Scroll : scrollFiltered;
            var revenueEvents = E("revenue_events");
            var visits = S("visits");
            var entries = s is not null && s.TryGetValue("entries", out var entered) ? entered : visits; // the visits a bounce rate is over: those that entered on the filtered pages, if any
            var engaged = E("engaged_visits"); // visits with engagement on a page, once per page
            var values = query.Metrics.Select(m => m switch
            {
                Metric.Visitors => E("visitors"),
                Metric.Visits => visits,
                Metric.Pageviews => E("pageviews"),
                Metric.ViewsPerVisit => visits == 0 ? 0 : Math.Round(E("pageviews") / visits, 2),
                Metric.BounceRate => entries == 0 ? 0 : Math.Round(100 * Math.Max(0, S("bounces")) / entries),
                Metric.VisitDuration => visits == 0 ? 0 : Math.Round(S("duration_ms") / 1000 / visits),
                Metric.Events => eventsNull ? double.NaN : E("events"),
                Metric.ScrollDepth => engaged == 0 ? double.NaN : Math.Round(E("scroll_sum") / engaged), // no data: null in every API
                Metric.TimeOnPage => engaged == 0 ? double.NaN : Math.Round(E("engaged_ms") / 1000 / engaged),
                Metric.ConversionRate => allVisitors == 0 ? 0 : Math.Round(100 * E("visitors") / allVisitors, 1),
                Metric.GroupConversionRate => groupTotal == 0 ? 0 : Math.Round(100 * E("visitors") / groupTotal, 1),
                Metric.TotalRevenue => hasRevenue ? Math.Round(E("revenue"), 2) : double.NaN,
                Metric.AverageRevenue => hasRevenue && revenueEvents > 0 ? Math.Round(E("revenue") / revenueEvents, 2) : double.NaN,
                Metric.Percentage => totalVisitors == 0 ? 0 : Math.Round(100 * E("visitors") / totalVisitors, 1),
                _ => throw new InvalidOperationException(m.ToString()),
            }).ToList();
            var labels = key.Select((v, i) => query.Dimensions[i].IsTime ? v.Split('|')[0] : v).ToList();
            list.Add(new Composed(key, new ResultRow(labels, values)));
        }

        return list;
    }

    /// <summary>Orders composed rows; each ordering field is resolved once to a metric or dimension position (time by bucket order).</summary>
    private static List<ResultRow> Sort(List<Composed> rows, List<OrderBy> order, ReportQuery query, IReadOnlyList<TimeBucket> buckets)
    {
        var time = query.Dimensions.FirstOrDefault(d => d.IsTime);
        var position = time is null
            ? []
            : buckets.Select((b, i) => (k: ReportSql.BucketKey(b, time.Interval), i)).DistinctBy(x => x.k).ToDictionary(x => x.k, x => x.i, StringComparer.Ordinal);
        var fields = order.Select(o => Metrics.TryParse(o.Field, out var metric)
            ? (Metric: query.Metrics.ToList().IndexOf(metric), Dimension: -1, o.Descending)
            : (Metric: -1, Dimension: query.Dimensions.ToList().FindIndex(d => d.Name == o.Field), o.Descending)).ToList();
        var comparison = Comparer<Composed>.Create((a, b) =>
        {
            foreach (var (metric, dimension, descending) in fields)
            {
                var c = metric >= 0 ? a.Row.Metrics[metric].CompareTo(b.Row.Metrics[metric])
                    : query.Dimensions[dimension].IsTime ? position.GetValueOrDefault(a.Key[dimension]).CompareTo(position.GetValueOrDefault(b.Key[dimension]))
                    : string.CompareOrdinal(a.Key[dimension], b.Key[dimension]);
                if (c != 0)
                {
                    return descending ? -c : c;
                }
            }

            return 0;
        });
        return rows.Order(comparison).Select(r => r.Row).ToList();
    }

    /// <summary>The filter without its top-level goal and custom property conditions: the visitors a conversion rate divides by.</summary>
    private static Filter? WithoutGoals(Filter? filter) => filter switch
    {
        Condition c when GoalMatching.IsGoal(c) || c.Dimension.PropKey is not null => null,
        AllOf all => all.Filters.Select(WithoutGoals).OfType<Filter>().ToList() is { Count: > 0 } rest ? new AllOf(rest) : null,
        _ => filter,
    };

    private static Dictionary<string, int> Positions(IReadOnlyList<TimeBucket> buckets, ReportQuery query)
    {
        var time = query.Dimensions.FirstOrDefault(d => d.IsTime);
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        if (time is null)
        {
            return positions;
        }

        for (var i = 0; i < buckets.Count; i++)
        {
            positions.TryAdd(ReportSql.BucketKey(buckets[i], time.Interval).Split('|')[0], i);
        }

        return positions;
    }

    /// <summary>Percent change (bounce rate: the difference in points), as Plausible reports it; 100 when growing from zero.</summary>
    public static double? Change(Metric metric, double before, double now) => metric switch
    {
        _ when double.IsNaN(before) || double.IsNaN(now) => null, // a metric without data on either side
        // As Plausible computes it: rates in points (a bounce rate only against one there was), the rest in percent.
        Metric.ConversionRate or Metric.GroupConversionRate => Math.Round(now - before, 1),
        Metric.BounceRate => before > 0 ? now - before : null,
        _ when before == 0 => now == 0 ? 0 : 100,
        _ => Math.Round((now - before) / before * 100),
    };

    /// <summary>A group's 64-bit key, exactly (a double would round it, and the other half would find no such group).</summary>
    private static ulong Hash(JsonElement value) => value.ValueKind == JsonValueKind.String
        ? ulong.Parse(value.GetString()!, CultureInfo.InvariantCulture)
        : value.GetUInt64();

    internal static double Number(JsonElement value) => value.ValueKind == JsonValueKind.String
        ? double.Parse(value.GetString()!, CultureInfo.InvariantCulture)
        : value.GetDouble();
}
