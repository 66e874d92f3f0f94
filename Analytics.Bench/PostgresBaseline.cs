using System.Diagnostics;
using System.Text;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.Postgres;
using NodaTime;
using Npgsql;

using Analytics.Cli.Commands;

namespace Analytics.Bench;

/// <summary>
/// The seed design on PostgreSQL 15, for comparison: raw events, a sessions table and an hourly rollup, loaded with the
/// same generated events (copied from ClickHouse) and answering the dashboard set in plain SQL, the way such a design
/// does: visitor counts as COUNT(DISTINCT) over raw events or sessions, sums from the hourly rollup.
/// </summary>
internal sealed class PostgresBaseline : IAsyncDisposable
{
    private const string Database = "baseline";
    private readonly PrivatePostgresCluster _cluster;
    private readonly NpgsqlDataSource _dataSource;

    private PostgresBaseline(PrivatePostgresCluster cluster)
    {
        _cluster = cluster;
        _dataSource = NpgsqlDataSource.Create(cluster.ConnectionString(Database));
    }

    public static async Task<PostgresBaseline> StartAsync(string directory, string binDirectory, CancellationToken cancellationToken)
    {
        var cluster = await PrivatePostgresCluster.StartAsync(directory, binDirectory, AnalyticsCommandLine.Progress, cancellationToken);
        await using (var connection = new NpgsqlConnection(cluster.ConnectionString("postgres")))
        {
            await connection.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand($"SELECT 1 FROM pg_database WHERE datname = '{Database}'", connection);
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await cluster.CreateDatabaseAsync(Database, cancellationToken);
            }
        }

        return new PostgresBaseline(cluster);
    }

    /// <summary>Copies the property's events from ClickHouse (unless already there), then builds sessions and the hourly rollup.</summary>
    public async Task<long> LoadAsync(IClickHouse clickHouse, long propertyId, ulong events, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        if (await ScalarAsync(connection, "SELECT count(*) FROM pg_tables WHERE tablename IN ('events', 'sessions', 'hourly')", cancellationToken) == 3
            && await ScalarAsync(connection, "SELECT count(*) FROM events", cancellationToken) == (long)events)
        {
            return (long)events;
        }

        await ExecuteAsync(connection, Schema, cancellationToken);
        var months = await clickHouse.QueryAsync<MonthRow>(
            "SELECT toYYYYMM(timestamp) AS month, count() AS n FROM events WHERE property_id = {p:UInt64} GROUP BY month ORDER BY month",
            new { p = propertyId },
            cancellationToken: cancellationToken);
        var watch = Stopwatch.StartNew();
        long copied = 0;
        foreach (var month in months)
        {
            var tsv = await clickHouse.QueryRawAsync(
                $"""
                SELECT property_id, concat(toString(timestamp), '+00'), name, toInt64(visitor_id), toInt64(session_id), hostname, pathname,
                       referrer, referrer_source, utm_source, utm_medium, utm_campaign, country_code, region, city, browser, os,
                       device_type, screen_size, locale, engagement_ms, scroll_depth
                FROM events WHERE property_id = {"{p:UInt64}"} AND toYYYYMM(timestamp) = {"{m:UInt32}"}
                """,
                "TabSeparated",
                new { p = propertyId, m = month.Month },
                cancellationToken: cancellationToken);
            await using (var writer = await connection.BeginTextImportAsync($"COPY events ({Columns}) FROM STDIN", cancellationToken))
            {
                await writer.WriteAsync(Encoding.UTF8.GetString(tsv).AsMemory(), cancellationToken);
            }

            copied += (long)month.N;
            AnalyticsCommandLine.Bar(copied / (double)events, $"PostgreSQL baseline: {copied:N0} events copied, {copied / watch.Elapsed.TotalSeconds:N0} rows/s", final: copied == (long)events);
        }

        AnalyticsCommandLine.Progress("PostgreSQL baseline: building indexes, sessions and the hourly rollup...");
        await ExecuteAsync(connection, Derived, cancellationToken);
        foreach (var table in new[] { "events", "sessions", "hourly" })
        {
            await ExecuteAsync(connection, $"VACUUM ANALYZE {table}", cancellationToken); // one statement each: VACUUM refuses a batch
        }

        AnalyticsCommandLine.Progress($"PostgreSQL baseline: loaded in {watch.Elapsed.TotalSeconds:F0} s.");
        return copied;
    }

    /// <summary>The dashboard set (the same eight questions as <see cref="BenchQueries.DashboardSet"/>) timed like it.</summary>
    public async Task<Timings> TimeSetAsync(string label, long propertyId, DateTimeZone zone, LocalDate lastDay, int days, int runs, CancellationToken cancellationToken)
    {
        var from = lastDay.PlusDays(1 - days).AtStartOfDayInZone(zone).ToInstant().ToDateTimeUtc();
        var to = lastDay.PlusDays(1).AtStartOfDayInZone(zone).ToInstant().ToDateTimeUtc();
        var interval = days > 62 ? "month" : "day";
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, "SET work_mem = '256MB'; SET max_parallel_workers_per_gather = 2;", cancellationToken);
        async Task RunAsync(string[] statements)
        {
            foreach (var statement in statements)
            {
                await using var command = new NpgsqlCommand(statement, connection) { CommandTimeout = 0 };
                command.Parameters.AddWithValue("p", propertyId);
                command.Parameters.AddWithValue("from", from);
                command.Parameters.AddWithValue("to", to);
                command.Parameters.AddWithValue("zone", zone.Id);
                command.Parameters.AddWithValue("interval", interval);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                }
            }
        }

        return await Timings.MeasureAsync(label, Set.Select(q => (q.Name, (Func<Task>)(() => RunAsync(q.Sql)))).ToList(), runs);
    }

    /// <summary>Bytes on disk of the three tables with their indexes, per event.</summary>
    public async Task<double> BytesPerEventAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var bytes = await ScalarAsync(connection, "SELECT pg_total_relation_size('events') + pg_total_relation_size('sessions') + pg_total_relation_size('hourly')", cancellationToken);
        return bytes / (double)await ScalarAsync(connection, "SELECT count(*) FROM events", cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private const string Columns = "property_id, ts, name, visitor_id, session_id, hostname, pathname, referrer, referrer_source, utm_source, utm_medium, utm_campaign, country_code, region, city, browser, os, device_type, screen_size, locale, engagement_ms, scroll_depth";

    private const string Schema = """
        DROP TABLE IF EXISTS events, sessions, hourly;
        CREATE TABLE events (
            property_id bigint NOT NULL, ts timestamptz NOT NULL, name text NOT NULL, visitor_id bigint NOT NULL, session_id bigint NOT NULL,
            hostname text, pathname text, referrer text, referrer_source text, utm_source text, utm_medium text, utm_campaign text,
            country_code text, region text, city text, browser text, os text, device_type text, screen_size text, locale text,
            engagement_ms integer, scroll_depth smallint);
        """;

    private const string Derived = """
        CREATE INDEX events_property_ts ON events (property_id, ts);
        CREATE TABLE sessions AS
        SELECT property_id, session_id, min(visitor_id) AS visitor_id, min(ts) AS started_at, max(ts) AS ended_at,
               count(*) FILTER (WHERE name = 'pageview') AS pageviews, count(*) FILTER (WHERE name <> 'engagement') AS events,
               (array_agg(pathname ORDER BY ts))[1] AS entry_page,
               (array_agg(pathname ORDER BY ts DESC) FILTER (WHERE name = 'pageview'))[1] AS exit_page,
               min(referrer_source) AS referrer_source, min(utm_source) AS utm_source, min(country_code) AS country_code,
               min(browser) AS browser, min(os) AS os, min(device_type) AS device_type,
               count(*) FILTER (WHERE name = 'pageview') <= 1 AS is_bounce,
               (extract(epoch FROM max(ts) - min(ts)) * 1000)::bigint AS duration_ms
        FROM events GROUP BY property_id, session_id;
        CREATE INDEX sessions_property_started ON sessions (property_id, started_at);
        CREATE TABLE hourly AS
        SELECT coalesce(e.property_id, s.property_id) AS property_id, coalesce(e.hour, s.hour) AS hour,
               coalesce(e.pageviews, 0) AS pageviews, coalesce(e.events, 0) AS events,
               coalesce(s.visits, 0) AS visits, coalesce(s.bounces, 0) AS bounces, coalesce(s.duration_ms, 0) AS duration_ms
        FROM (SELECT property_id, date_trunc('hour', ts) AS hour, count(*) FILTER (WHERE name = 'pageview') AS pageviews,
                     count(*) FILTER (WHERE name <> 'engagement') AS events
              FROM events GROUP BY 1, 2) e
        FULL JOIN (SELECT property_id, date_trunc('hour', started_at) AS hour, count(*) AS visits,
                          count(*) FILTER (WHERE is_bounce) AS bounces, sum(duration_ms) AS duration_ms
                   FROM sessions GROUP BY 1, 2) s
          ON e.property_id = s.property_id AND e.hour = s.hour;
        ALTER TABLE hourly ADD PRIMARY KEY (property_id, hour);
        """;

    private const string InRange = "property_id = @p AND ts >= @from AND ts < @to";
    private const string SessionsInRange = "property_id = @p AND started_at >= @from AND started_at < @to";

    private static readonly (string Name, string[] Sql)[] Set =
    [
        ("top stats",
        [
            $"""
            SELECT (SELECT count(DISTINCT visitor_id) FROM events WHERE {InRange} AND name <> 'engagement') AS visitors,
                   h.visits, h.pageviews, h.pageviews::float8 / nullif(h.visits, 0), h.bounces::float8 / nullif(h.visits, 0), h.duration_ms / nullif(h.visits, 0)
            FROM (SELECT sum(visits) AS visits, sum(pageviews) AS pageviews, sum(bounces) AS bounces, sum(duration_ms) AS duration_ms
                  FROM hourly WHERE property_id = @p AND hour >= @from AND hour < @to) h
            """,
        ]),
        ("graph",
        [
            $"SELECT date_trunc(@interval, ts AT TIME ZONE @zone) AS bucket, count(DISTINCT visitor_id) FROM events WHERE {InRange} AND name <> 'engagement' GROUP BY 1 ORDER BY 1",
            "SELECT date_trunc(@interval, hour AT TIME ZONE @zone) AS bucket, sum(pageviews) FROM hourly WHERE property_id = @p AND hour >= @from AND hour < @to GROUP BY 1 ORDER BY 1",
        ]),
        ("sources", [$"SELECT referrer_source, count(DISTINCT visitor_id) AS v FROM sessions WHERE {SessionsInRange} GROUP BY 1 ORDER BY v DESC LIMIT 10"]),
        ("top pages",
        [
            $"""
            SELECT pathname, count(DISTINCT visitor_id) FILTER (WHERE name <> 'engagement') AS v, count(*) FILTER (WHERE name = 'pageview'),
                   avg(engagement_ms) FILTER (WHERE name = 'engagement'), avg(scroll_depth) FILTER (WHERE name = 'engagement')
            FROM events WHERE {InRange} GROUP BY 1 ORDER BY v DESC LIMIT 10
            """,
        ]),
        ("entry pages", [$"SELECT entry_page, count(*) AS visits, avg(is_bounce::int) FROM sessions WHERE {SessionsInRange} GROUP BY 1 ORDER BY visits DESC LIMIT 10"]),
        ("countries", [$"SELECT country_code, count(DISTINCT visitor_id) AS v FROM sessions WHERE {SessionsInRange} GROUP BY 1 ORDER BY v DESC LIMIT 10"]),
        ("browsers", [$"SELECT browser, count(DISTINCT visitor_id) AS v FROM sessions WHERE {SessionsInRange} GROUP BY 1 ORDER BY v DESC LIMIT 10"]),
        ("devices", [$"SELECT device_type, count(DISTINCT visitor_id) AS v FROM sessions WHERE {SessionsInRange} GROUP BY 1 ORDER BY v DESC LIMIT 10"]),
    ];

    private sealed record MonthRow(uint Month, ulong N);
}
