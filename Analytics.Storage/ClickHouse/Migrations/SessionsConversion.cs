using Microsoft.Extensions.Logging;

namespace Analytics.Storage.ClickHouse.Migrations;

/// <summary>
/// Converts the stored sessions to a new definition of the table, which a migration file creates as
/// <c>sessions_next</c> (after dropping the view that writes sessions, which the next file creates again): each
/// partition of <c>sessions</c> is written to <c>sessions_next</c>, oldest first, row by row or merged (never by a
/// GROUP BY, so the memory stays flat: a month of 100M events' visits grouped at once took more than 2 GiB, the month
/// read <c>FINAL</c> about as much as row by row, 1.13 GB for the whole process at 100M); then the two tables are
/// exchanged and the old one dropped. Safe to stop at any point: a partition is emptied in <c>sessions_next</c> before
/// it is written, the written ones are recorded in <c>sessions_next_written</c>, and once <c>sessions</c> has the new
/// definition a run only drops what is left. Nothing inserts meanwhile (the migrations hold the batcher,
/// <see cref="ClickHouseUpgrade"/>). Part of the migrator itself (it needs nothing but ClickHouse), so every migrator
/// converts, with events or without.
/// </summary>
/// <param name="name">The name the migration file gives after <c>-- code:</c>.</param>
/// <param name="version">The migration file's number, for the progress lines.</param>
/// <param name="converted">A query of one row and column, true when <c>sessions</c> already has the new definition.</param>
/// <param name="columns">The SELECT list that makes a new row of an old one.</param>
/// <param name="merged">
/// Whether each partition is read merged (<c>FINAL</c>: one row a visit), for a definition whose values need the whole
/// visit; ClickHouse merges the partition's parts as it reads them, in order, so the memory stays flat too.
/// </param>
internal sealed partial class SessionsConversion(ILogger logger, string name, string version, string converted, string columns, bool merged = false) : IClickHouseDataMigration
{
    private const string Next = "sessions_next";
    private const string Written = "sessions_next_written";

    /// <summary>
    /// The conversion's inserts in blocks of 65,536 rows: with ClickHouse's default (about a million) a month of 100M
    /// events' visits took 2.1 GB of memory, 7.5 s; with these 1.0 GB, 5.8 s (docs/benchmarks.md), in a few more parts
    /// that merge later.
    /// </summary>
    private static readonly ClickHouseSettings Converting = new()
    {
        ["insert_deduplicate"] = "0", ["min_insert_block_size_rows"] = "65536", ["min_insert_block_size_bytes"] = "67108864",
    };

    /// <summary>
    /// Migration 0018 (schema/clickhouse/0018_plain_session_attributes.sql): the attributes collect stamps on every
    /// event of a visit become plain values, their argMin states finalized (each row's state holds the visit's stamped
    /// value, so the rows of one visit agree, and merge as any rows do).
    /// </summary>
    public static SessionsConversion PlainAttributes(ILogger logger) => new(
        logger,
        "PlainSessionAttributes",
        "0018",
        "SELECT CAST(NOT startsWith(type, 'AggregateFunction(') AS Bool) AS value FROM system.columns WHERE database = currentDatabase() AND table = 'sessions' AND name = 'entry_page'",
        """
        property_id, session_start, session_id, visitor_id, session_end, pageviews, events, bounce, duration_ms,
        finalizeAggregation(entry_page), exit_page, hostname, finalizeAggregation(referrer), finalizeAggregation(referrer_source),
        finalizeAggregation(utm_source), finalizeAggregation(utm_medium), finalizeAggregation(utm_campaign),
        finalizeAggregation(utm_content), finalizeAggregation(utm_term), country_code, region, city, browser, browser_version,
        os, os_version, device_type, screen_size, locale, channel, exit_hostname
        """);

    /// <summary>
    /// Migration 0021 (schema/clickhouse/0021_sessions_sampled_by_visitor.sql): the visitor joins the sessions' sorting
    /// key, so that they can be sampled by visitor as events are. The rows do not change.
    /// </summary>
    public static SessionsConversion ByVisitor(ILogger logger) => new(
        logger,
        "SessionsByVisitor",
        "0021",
        "SELECT CAST(sampling_key = 'visitor_id' AS Bool) AS value FROM system.tables WHERE database = currentDatabase() AND name = 'sessions'",
        "*");

    /// <summary>
    /// Migration 0026 (schema/clickhouse/0026_derived_session_ids.sql): the visits' ids are derived from the visitor and
    /// the start (<see cref="Catalog.SessionIds"/>), which become the end of the sorting key. Every row but its id is
    /// written as it is.
    /// </summary>
    public static SessionsConversion DerivedIds(ILogger logger) => new(
        logger,
        "DerivedSessionIds",
        "0026",
        "SELECT CAST(default_kind = 'ALIAS' AS Bool) AS value FROM system.columns WHERE database = currentDatabase() AND table = 'sessions' AND name = 'session_id'",
        "* EXCEPT (session_id)");

    /// <summary>
    /// Migration 0028 (schema/clickhouse/0028_sessions_without_states.sql): the exit page and hostname become one
    /// greatest (time, path, hostname) of the visit's pageviews, and the entry hostname a plain value, instead of three
    /// states that each kept a timestamp. A state's time cannot be read back, so each visit is read whole (merged): its
    /// exit's time becomes its last event's when it has a pageview (every event to come is later, so a later pageview
    /// still takes its place), the epoch when it has none, as the view gives non-pageviews.
    /// </summary>
    public static SessionsConversion WithoutStates(ILogger logger) => new(
        logger,
        "SessionsWithoutStates",
        "0028",
        "SELECT CAST(count() = 1 AS Bool) AS value FROM system.columns WHERE database = currentDatabase() AND table = 'sessions' AND name = 'last_pageview'",
        """
        property_id, session_start, visitor_id, session_end, pageviews, events, bounce, duration_ms, entry_page,
        (if(pageviews > 0, session_end, toDateTime64(0, 3, 'UTC')), finalizeAggregation(exit_page), finalizeAggregation(exit_hostname)),
        finalizeAggregation(hostname), referrer, referrer_source, utm_source, utm_medium, utm_campaign, utm_content, utm_term,
        country_code, region, city, browser, browser_version, os, os_version, device_type, screen_size, locale, channel, pages
        """,
        merged: true);

    public string Name => name;

    public async Task RunAsync(IClickHouse clickHouse, CancellationToken cancellationToken)
    {
        var done = await clickHouse.QueryAsync<Converted>(converted, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (done is [{ Value: false }])
        {
            await ConvertAsync(clickHouse, cancellationToken).ConfigureAwait(false);
            await clickHouse.ExecuteAsync($"EXCHANGE TABLES sessions AND {Next}", cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await clickHouse.ExecuteAsync($"DROP TABLE IF EXISTS {Next} SYNC", cancellationToken: cancellationToken).ConfigureAwait(false);
        await clickHouse.ExecuteAsync($"DROP TABLE IF EXISTS {Written} SYNC", cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private Task ConvertAsync(IClickHouse clickHouse, CancellationToken cancellationToken)
        => ClickHouseMigrator.ForEachSessionsPartitionAsync(
            clickHouse,
            Written,
            async partition =>
            {
                await clickHouse.ExecuteAsync($"ALTER TABLE {Next} DROP PARTITION ID '{partition.Id}'", cancellationToken: cancellationToken).ConfigureAwait(false);
                await clickHouse.ExecuteAsync(
                    $"INSERT INTO {Next} SELECT {columns} FROM sessions{(merged ? " FINAL" : string.Empty)} WHERE _partition_id = {{partition:String}}",
                    new { partition = partition.Id }, Converting, cancellationToken).ConfigureAwait(false);
            },
            (partition, index, count, percent, rows) => LogWritten(version, partition, index, count, percent, rows),
            cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Migration {Version}: converted sessions partition {Partition} ({Index} of {Count}; {Percent:0}% of its {Rows:N0} rows)")]
    private partial void LogWritten(string version, string partition, int index, int count, decimal percent, decimal rows);

    private sealed record Converted(bool Value);
}
