using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Catalog;
using Analytics.Storage.Properties;
using NodaTime;

namespace Analytics.Ingest.Events;

/// <summary>
/// Raw events of one property as JSONL (one object per event), CSV or Parquet, converted by ClickHouse itself.
/// Dates are whole days in the property's time zone; timestamps are written in UTC, ISO 8601. JSONL and CSV are
/// written a month at a time, so memory stays flat on years of data.
/// </summary>
public static class EventExport
{
    public static readonly IReadOnlyList<string> Formats = ["jsonl", "csv", "parquet"];

    /// <summary>The catalog's exported columns; timestamps as ISO 8601 text in UTC.</summary>
    private static readonly string Columns = string.Join(", ", EventsTable.Exported.Select(c => c.Name == "timestamp" ? "concat(replaceOne(toString(timestamp), ' ', 'T'), 'Z') AS timestamp" : c.Name));

    /// <summary>The events' rows as the export reads them: every stored column (<c>*</c>), and the derived ones (the visit's id), which <c>*</c> leaves out.</summary>
    private static readonly string Rows = string.Join(", ", EventsTable.Derived.Order(StringComparer.Ordinal).Prepend("*"));

    /// <summary>Columns whose text comes from visitors' browsers, which a spreadsheet could take for a formula.</summary>
    private static readonly IEnumerable<string> TextColumns = EventsTable.Exported.Where(c => c.FromVisitors).Select(c => c.Name);

    /// <summary>
    /// CSV only: a text that a spreadsheet would run as a formula (it starts with = + - @, perhaps after spaces or control
    /// characters, or with a tab, carriage return or NUL) gets a leading apostrophe (OWASP's CSV injection advice). JSON
    /// lines and Parquet stay exact, for <c>analytics import</c>.
    /// </summary>
    public const string FormulaPattern = @"^([\x00-\x20]*[=+@-]|[\x00\t\r])";

    private static readonly string Neutralised =
        $"* REPLACE ({string.Join(", ", TextColumns.Select(c => $"if(match({c}, '{FormulaPattern.Replace(@"\", @"\\", StringComparison.Ordinal)}'), concat('''', {c}), {c}) AS {c}"))})";

    /// <summary>Writes the events and returns how many there were.</summary>
    public static async Task<long> WriteAsync(IClickHouse clickHouse, Property property, LocalDate? from, LocalDate? to, string format, Stream output, Action<string> progress, CancellationToken cancellationToken)
    {
        var zone = DateTimeZoneProviders.Tzdb[property.Timezone];
        var start = from is { } f ? zone.AtStartOfDay(f).ToInstant() : Instant.FromUnixTimeSeconds(0);
        var end = to is { } t ? zone.AtStartOfDay(t.PlusDays(1)).ToInstant() : Instant.FromUtc(2200, 1, 1, 0, 0);
        var range = new { property = (ulong)property.Id, from = start, to = end };
        var settings = new ClickHouseSettings { ["output_format_json_quote_64bit_integers"] = "1", ["output_format_json_escape_forward_slashes"] = "0" };
        const string Where = "property_id = {property:UInt64} AND timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}";

        // Filtered inside, formatted outside: the output column 'timestamp' (ISO text) would shadow the real one in WHERE.
        var select = $"SELECT {Columns} FROM (SELECT {Rows} FROM events WHERE {Where} ORDER BY timestamp)";

        if (format == "parquet")
        {
            var all = await clickHouse.QueryRawAsync(select, "Parquet", range, cancellationToken: cancellationToken);
            await output.WriteAsync(all, cancellationToken);
            return (await clickHouse.QueryAsync<CountRow>($"SELECT count() AS count FROM events WHERE {Where}", range, cancellationToken: cancellationToken)).Single().Count;
        }

        var months = await clickHouse.QueryAsync<MonthRow>(
            $"SELECT toStartOfMonth(timestamp) AS month, count() AS count FROM events WHERE {Where} GROUP BY month ORDER BY month", range, cancellationToken: cancellationToken);
        long written = 0;
        var first = true;
        foreach (var month in months)
        {
            var chunk = new
            {
                property = range.property,
                from = Instant.Max(start, Instant.FromDateTimeUtc(DateTime.SpecifyKind(month.Month, DateTimeKind.Utc))),
                to = Instant.Min(end, Instant.FromDateTimeUtc(DateTime.SpecifyKind(month.Month, DateTimeKind.Utc).AddMonths(1))),
            };
            var clickHouseFormat = format == "csv" ? (first ? "CSVWithNames" : "CSV") : "JSONEachRow";
            var bytes = await clickHouse.QueryRawAsync(format == "csv" ? $"SELECT {Neutralised} FROM ({select})" : select, clickHouseFormat, chunk, settings, cancellationToken);
            await output.WriteAsync(bytes, cancellationToken);
            written += (long)month.Count;
            first = false;
            progress($"  {month.Month:yyyy-MM}: {month.Count:N0} events ({written:N0} in all)");
        }

        if (first && format == "csv")
        {
            await output.WriteAsync(await clickHouse.QueryRawAsync($"SELECT {Columns} FROM (SELECT {Rows} FROM events WHERE 0)", "CSVWithNames", cancellationToken: cancellationToken), cancellationToken);
        }

        return written;
    }

    private sealed record MonthRow(DateTime Month, ulong Count);

    private sealed record CountRow(long Count);
}
