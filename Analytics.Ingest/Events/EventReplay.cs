using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Catalog;
using Analytics.Storage.ClickHouse.Migrations;
using Microsoft.Extensions.Logging;

namespace Analytics.Ingest.Events;

/// <summary>
/// Derives everything again from the stored events, for ClickHouse migration 0012
/// (schema/clickhouse/0012_engagement_per_visit.sql): each event's bookkeeping that depends on the rest of its visit
/// is computed afresh as collect now computes it (the duration delta, without engagement events; the first engagement
/// of a visit on a page and the rise of its deepest scroll there), with window functions over each visit, one month of
/// visits at a time; then every derived table is emptied and the events inserted again, so the views write the
/// sessions and rollups as they are defined now. (A table dropped since, as 0030 drops <c>rollup_page</c>, is not in
/// the catalog of now: in a directory that old it keeps its rows and takes the replayed ones too, until its own
/// migration drops it.)
/// Safe to stop at any point: the recomputed events are written to a side table, renamed <c>events_replay</c> only
/// once complete; while that table exists, a run (again) empties the events and the derived tables, inserts it, and
/// drops it.
/// </summary>
public sealed class EventReplay(ILogger<EventReplay> logger) : IClickHouseDataMigration
{
    private const string Filling = "events_replay_filling";
    private const string Complete = "events_replay";

    /// <summary>Every insert here writes rows whose blocks may equal ones inserted before: none may be taken for a repeat.</summary>
    private static readonly ClickHouseSettings Always = new() { ["insert_deduplicate"] = "0" };

    /// <summary>The recomputed columns, as collect's session tracker fills them (the windows are defined in <see cref="FillAsync"/>).</summary>
    private static readonly Dictionary<string, string> Recomputed = new(StringComparer.Ordinal)
    {
        ["duration_delta_ms"] = "if(name = 'engagement' OR counted_rank = 1, 0, toUInt32(greatest(0, dateDiff('millisecond', previous_counted, timestamp))))",
        ["engaged_first"] = "toUInt8(name = 'engagement' AND page_rank = 1)",
        ["scroll_gain"] = "if(name = 'engagement', toUInt8(deepest - deepest_before), 0)",
    };

    public string Name => nameof(EventReplay);

    public async Task RunAsync(IClickHouse clickHouse, CancellationToken cancellationToken)
    {
        if (!await ExistsAsync(clickHouse, Complete, cancellationToken))
        {
            if (await CountAsync(clickHouse, EventsTable.Name, cancellationToken) == 0)
            {
                return;
            }

            await FillAsync(clickHouse, cancellationToken);
        }

        logger.LogInformation("Deriving the sessions and rollups again from {Count} events", await CountAsync(clickHouse, Complete, cancellationToken));
        foreach (var table in DerivedTables.WithEvents)
        {
            await clickHouse.ExecuteAsync($"TRUNCATE TABLE {table}", cancellationToken: cancellationToken);
        }

        var columns = string.Join(", ", await ColumnsAsync(clickHouse, cancellationToken));
        foreach (var month in await MonthsAsync(clickHouse, Complete, "timestamp", cancellationToken))
        {
            await clickHouse.ExecuteAsync($"INSERT INTO {EventsTable.Name} ({columns}) SELECT {columns} FROM {Complete} WHERE toYYYYMM(timestamp) = {{month:UInt32}}", new { month }, Always, cancellationToken);
            logger.LogInformation("Derived month {Month}", month);
        }

        await clickHouse.ExecuteAsync($"DROP TABLE {Complete}", cancellationToken: cancellationToken);
    }

    /// <summary>Writes the events with their recomputed columns to the side table, one month of visit starts at a time (a visit is never split), then names it complete.</summary>
    private async Task FillAsync(IClickHouse clickHouse, CancellationToken cancellationToken)
    {
        await clickHouse.ExecuteAsync($"DROP TABLE IF EXISTS {Filling}", cancellationToken: cancellationToken);
        await clickHouse.ExecuteAsync($"CREATE TABLE {Filling} AS {EventsTable.Name}", cancellationToken: cancellationToken);
        var names = await ColumnsAsync(clickHouse, cancellationToken);
        var columns = string.Join(", ", names);
        var values = string.Join(", ", names.Select(c => Recomputed.TryGetValue(c, out var expression) ? $"{expression} AS {c}" : c));
        foreach (var month in await MonthsAsync(clickHouse, EventsTable.Name, "session_start", cancellationToken))
        {
            // A visit's counted events (all but engagement) in order, and its engagement events on each page in order.
            await clickHouse.ExecuteAsync(
                $$"""
                INSERT INTO {{Filling}} ({{columns}})
                SELECT {{values}}
                FROM
                (
                    SELECT *,
                           row_number() OVER counted AS counted_rank,
                           lagInFrame(timestamp) OVER counted AS previous_counted,
                           row_number() OVER page AS page_rank,
                           max(scroll_depth) OVER (PARTITION BY session_id, name = 'engagement', pathname ORDER BY timestamp ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS deepest,
                           max(scroll_depth) OVER (PARTITION BY session_id, name = 'engagement', pathname ORDER BY timestamp ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS deepest_before
                    FROM {{EventsTable.Name}}
                    WHERE toYYYYMM(session_start) = {month:UInt32}
                    WINDOW counted AS (PARTITION BY session_id, name = 'engagement' ORDER BY timestamp ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
                           page AS (PARTITION BY session_id, name = 'engagement', pathname ORDER BY timestamp ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                )
                """,
                new { month },
                Always,
                cancellationToken);
            logger.LogInformation("Recomputed the visits that started in month {Month}", month);
        }

        await clickHouse.ExecuteAsync($"RENAME TABLE {Filling} TO {Complete}", cancellationToken: cancellationToken);
    }

    private static async Task<bool> ExistsAsync(IClickHouse clickHouse, string table, CancellationToken cancellationToken)
        => (await clickHouse.QueryAsync<Count>("SELECT count() AS rows FROM system.tables WHERE database = currentDatabase() AND name = {table:String}", new { table }, cancellationToken: cancellationToken))[0].Rows > 0;

    /// <summary>
    /// The events table's stored columns as this migration finds them (those of the migrations up to 0012: a column
    /// added since is not there yet when a directory that old is upgraded; one derived since, 0026's visit id, not stored).
    /// </summary>
    private static async Task<IReadOnlyList<string>> ColumnsAsync(IClickHouse clickHouse, CancellationToken cancellationToken)
        => (await clickHouse.QueryAsync<Column>("SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {table:String} AND default_kind != 'ALIAS' ORDER BY position", new { table = EventsTable.Name }, cancellationToken: cancellationToken))
            .Select(c => c.Name).ToList();

    private static async Task<ulong> CountAsync(IClickHouse clickHouse, string table, CancellationToken cancellationToken)
        => (await clickHouse.QueryAsync<Count>($"SELECT count() AS rows FROM {table}", cancellationToken: cancellationToken))[0].Rows;

    private static async Task<IReadOnlyList<uint>> MonthsAsync(IClickHouse clickHouse, string table, string column, CancellationToken cancellationToken)
        => (await clickHouse.QueryAsync<Month>($"SELECT DISTINCT toYYYYMM({column}) AS value FROM {table} ORDER BY value", cancellationToken: cancellationToken)).Select(m => m.Value).ToList();

    private sealed record Count(ulong Rows);

    private sealed record Column(string Name);

    private sealed record Month(uint Value);
}
