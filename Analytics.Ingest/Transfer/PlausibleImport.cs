using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Analytics.Ingest.Enrichment;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Catalog;
using Analytics.Storage.Hosting;
using Analytics.Storage.Imports;
using Analytics.Storage.Properties;

namespace Analytics.Ingest.Transfer;

/// <summary>
/// Imports Plausible's CSV export (a zip, or a folder of its files) under one import: each <c>imported_visitors*.csv</c>
/// table's daily totals go to ClickHouse's <c>imported_visitors</c>, and the lines of its breakdown tables (sources,
/// pages, entry and exit pages, locations, devices, browsers, operating systems, custom events) to
/// <c>imported_breakdowns</c>, counted under each dimension a line names and summed per day and value. Every line is
/// checked before anything is stored (an error names the file, line and field). The same files again are the same
/// import (by a hash of their content): stored once. Days on or after the property's first native event are left out,
/// so imported and native days never overlap.
/// </summary>
public static class PlausibleImport
{
    public const string Source = "plausible";

    /// <summary>
    /// A table of Plausible's export: the columns each line must have (in any order; others may be there too), and the
    /// dimensions a line counts in, by the column that holds the value (a dimension whose column is absent is skipped).
    /// </summary>
    private sealed record Table(string Name, string[] Required, (string Column, string Dimension)[] Dimensions);

    private static readonly Table Visitors = new("imported_visitors", ["date", "visitors", "pageviews", "bounces", "visits", "visit_duration"], []);

    private static readonly string[] VisitSums = ["visitors", "visits", "visit_duration", "bounces"];

    /// <summary>Sources: each line also counts under its channel, which collect's rules name from its source and UTM tags.</summary>
    private static readonly Table Sources = new("imported_sources", ["date", "source", .. VisitSums],
        [("source", "visit:source"), ("referrer", "visit:referrer"), ("utm_source", "visit:utm_source"), ("utm_medium", "visit:utm_medium"),
         ("utm_campaign", "visit:utm_campaign"), ("utm_content", "visit:utm_content"), ("utm_term", "visit:utm_term")]);

    private static readonly Table[] Breakdowns =
    [
        Sources,
        new("imported_pages", ["date", "page", "visitors", "pageviews"], [("page", "event:page"), ("hostname", "event:hostname")]),
        new("imported_entry_pages", ["date", "entry_page", "visitors", "entrances", "visit_duration", "bounces"], [("entry_page", "visit:entry_page")]),
        new("imported_exit_pages", ["date", "exit_page", "visitors", "exits"], [("exit_page", "visit:exit_page")]),
        new("imported_locations", ["date", "country", .. VisitSums], [("country", "visit:country")]),
        new("imported_devices", ["date", "device", .. VisitSums], [("device", "visit:device")]),
        new("imported_browsers", ["date", "browser", .. VisitSums], [("browser", "visit:browser")]),
        new("imported_operating_systems", ["date", "operating_system", .. VisitSums], [("operating_system", "visit:os")]),
        new("imported_custom_events", ["date", "name", "visitors", "events"], [("name", "event:name")]),
    ];

    /// <summary>The metric columns a line may have; a visit is a line's visits, entrances (entry pages) or exits (exit pages).</summary>
    private static readonly string[] MetricColumns = ["visitors", "pageviews", "events", "visits", "entrances", "exits", "bounces", "visit_duration"];

    /// <summary>What an import did: the import, the days of totals it stored, and whether it had been done before.</summary>
    public sealed record Outcome(Import Import, int Days, bool Already);

    public static async Task<Outcome> RunAsync(IClickHouse clickHouse, ImportStore imports, Property property, string path, Action<string> progress, CancellationToken cancellationToken)
    {
        var files = ExportFiles.Read(path).Where(f => f.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        Table? TableOf(string name) => Breakdowns.Prepend(Visitors).FirstOrDefault(t => name == t.Name + ".csv" || name.StartsWith(t.Name + "_", StringComparison.Ordinal));
        var tables = files.Select(f => (f.Name, f.Bytes, Table: TableOf(f.Name))).Where(f => f.Table is not null).ToList();
        if (tables.All(t => t.Table != Visitors))
        {
            throw new FieldValidationException("path", $"{path} has no imported_visitors*.csv: give Plausible's CSV export (its zip, or the folder of its files).");
        }

        foreach (var (name, _) in files.Where(f => f.Name.StartsWith("imported_", StringComparison.Ordinal) && TableOf(f.Name) is null))
        {
            progress($"{name}: not imported (not a table of Plausible's export this version knows).");
        }

        var referrers = tables.Any(t => t.Table == Sources) ? await ReferrerSources.LoadAsync(progress, cancellationToken) : null;
        var days = new SortedDictionary<DateOnly, Sums>();
        var breakdowns = new Dictionary<(string Dimension, DateOnly Date, string Value), Sums>();
        foreach (var (name, bytes, table) in tables)
        {
            var lines = 0;
            foreach (var (date, values, sums) in Parse(name, bytes, table!, referrers))
            {
                lines++;
                if (table == Visitors && !days.TryAdd(date, sums))
                {
                    throw new FieldValidationException(name, $"the day {date:yyyy-MM-dd} is in the export twice.");
                }

                foreach (var (dimension, value) in values)
                {
                    breakdowns[(dimension, date, value)] = breakdowns.TryGetValue((dimension, date, value), out var sum) ? sum + sums : sums;
                }
            }

            var counted = table!.Dimensions.Select(d => d.Dimension).Append(table == Sources ? "visit:channel" : null).OfType<string>().Where(d => breakdowns.Keys.Any(k => k.Dimension == d)).ToList();
            progress($"{name}: {lines:N0} lines{(counted.Count > 0 ? " by " + string.Join(", ", counted) : string.Empty)}.");
            if (table.Name == "imported_locations")
            {
                progress($"{name}: regions and cities are left out (Plausible exports their GeoNames codes; reports here name them); countries are imported.");
            }
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(tables.SelectMany(t => Encoding.UTF8.GetBytes(t.Name + "\n").Concat(t.Bytes)).ToArray()));
        var (import, created) = await imports.BeginAsync(property.Id, Source, Path.GetFileName(Path.TrimEndingDirectorySeparator(path)), hash, cancellationToken);
        if (!created && import.State == "done")
        {
            progress($"These files were imported already (import {import.Id}, {import.RowCount:N0} days): nothing changed.");
            return new Outcome(import, (int)import.RowCount, Already: true);
        }

        // Native days win: an imported day on or after the first native event is left out.
        var native = await FirstOwnDayAsync(clickHouse, property, cancellationToken) ?? DateOnly.MaxValue;
        var kept = days.Where(d => d.Key < native).ToList();
        if (kept.Count < days.Count)
        {
            progress($"{days.Count - kept.Count:N0} days from {native:yyyy-MM-dd} on are left out: the property has its own events from then.");
        }

        // An interrupted import of the same files is redone from the start.
        await DeleteRowsAsync(clickHouse, property.Id, import.Id, cancellationToken);
        var ids = new { property_id = (ulong)property.Id, import_id = (ulong)import.Id };
        await InsertAsync(clickHouse, "imported_visitors", kept.Select(d => (object)new
        {
            ids.property_id, ids.import_id, date = Day(d.Key), visitors = d.Value.Visitors, pageviews = d.Value.Pageviews, bounces = d.Value.Bounces, visits = d.Value.Visits, visit_duration = d.Value.VisitDuration,
        }), cancellationToken);
        var rows = breakdowns.Where(b => b.Key.Date < native).ToList();
        await InsertAsync(clickHouse, "imported_breakdowns", rows.Select(b => (object)new
        {
            ids.property_id, ids.import_id, dimension = b.Key.Dimension, date = Day(b.Key.Date), value = b.Key.Value,
            visitors = b.Value.Visitors, pageviews = b.Value.Pageviews, events = b.Value.Events, visits = b.Value.Visits, bounces = b.Value.Bounces, visit_duration = b.Value.VisitDuration,
        }), cancellationToken);

        import = await imports.FinishAsync(import.Id, kept.Count > 0 ? kept[0].Key : null, kept.Count > 0 ? kept[^1].Key : null, kept.Count, cancellationToken);
        progress($"Imported {kept.Count:N0} days of {property.Domain}'s history from Plausible (import {import.Id}), and {rows.Count:N0} rows of breakdowns by day.");
        return new Outcome(import, kept.Count, Already: false);
    }

    /// <summary>Deletes an import: its rows in ClickHouse, then its record.</summary>
    public static async Task<bool> DeleteAsync(IClickHouse clickHouse, ImportStore imports, long propertyId, long importId, CancellationToken cancellationToken)
    {
        if (!(await imports.ListAsync(propertyId, cancellationToken)).Any(i => i.Id == importId))
        {
            return false;
        }

        await DeleteRowsAsync(clickHouse, propertyId, importId, cancellationToken);
        return await imports.DeleteAsync(propertyId, importId, cancellationToken);
    }

    private static async Task DeleteRowsAsync(IClickHouse clickHouse, long propertyId, long importId, CancellationToken cancellationToken)
    {
        foreach (var table in DerivedTables.Imported)
        {
            await clickHouse.ExecuteAsync($"ALTER TABLE {table} DELETE WHERE property_id = {{property:UInt64}} AND import_id = {{import:UInt64}}",
                new { property = (ulong)propertyId, import = (ulong)importId }, new ClickHouseSettings { ["mutations_sync"] = "2" }, cancellationToken);
        }
    }

    private static async Task InsertAsync(IClickHouse clickHouse, string table, IEnumerable<object> rows, CancellationToken cancellationToken)
    {
        foreach (var batch in rows.Chunk(50_000))
        {
            var json = new StringBuilder();
            foreach (var row in batch)
            {
                json.Append(JsonSerializer.Serialize(row)).Append('\n');
            }

            await clickHouse.InsertAsync(table, Encoding.UTF8.GetBytes(json.ToString()), cancellationToken: cancellationToken);
        }
    }

    private static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The property's first own (native) event's day on its clock, or null without events.</summary>
    internal static async Task<DateOnly?> FirstOwnDayAsync(IClickHouse clickHouse, Property property, CancellationToken cancellationToken)
    {
        var first = (await clickHouse.QueryAsync<FirstEvent>(
            "SELECT count() AS events, toString(toDate(min(timestamp), {zone:String})) AS day FROM events WHERE property_id = {property:UInt64}",
            new { property = (ulong)property.Id, zone = property.Timezone }, cancellationToken: cancellationToken))[0];
        return first.Events > 0 ? DateOnly.ParseExact(first.Day, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null;
    }

    private sealed record FirstEvent(ulong Events, string Day);

    /// <summary>A line's (or a day's) sums, 0 where its table has no such column.</summary>
    private readonly record struct Sums(ulong Visitors, ulong Pageviews, ulong Events, ulong Visits, ulong Bounces, ulong VisitDuration)
    {
        public static Sums operator +(Sums a, Sums b) => new(a.Visitors + b.Visitors, a.Pageviews + b.Pageviews, a.Events + b.Events, a.Visits + b.Visits, a.Bounces + b.Bounces, a.VisitDuration + b.VisitDuration);
    }

    /// <summary>Plausible's browser and OS names that collect (uap-core) names otherwise.</summary>
    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        ["Mac"] = "Mac OS X",
        ["GNU/Linux"] = "Linux",
        ["Microsoft Edge"] = "Edge",
        ["Samsung Browser"] = "Samsung Internet",
    };

    /// <summary>
    /// A table's lines, each checked: the header names the columns (in any order), each line has a date, whole numbers
    /// and no more bounces than visits. A line's values per dimension are as stored here: device types in lower case,
    /// country codes in upper case, browser and OS names as collect names them (<see cref="Names"/>), blanks blank; a
    /// sources line's channel as collect would name it (no ad click id is exported).
    /// </summary>
    private static IEnumerable<(DateOnly Date, List<(string Dimension, string Value)> Values, Sums Sums)> Parse(string name, byte[] bytes, Table table, ReferrerSources? referrers)
    {
        var records = ExportFiles.Csv(bytes).ToList();
        var header = records.Count > 0 ? records[0].Fields.Select(h => h.Trim()).ToList() : [];
        if (table.Required.FirstOrDefault(c => !header.Contains(c)) is { } missing)
        {
            throw new FieldValidationException($"{name} line 1", $"the header has no column '{missing}' (it needs {string.Join(",", table.Required)}).");
        }

        var at = header.Select((column, i) => (column, i)).DistinctBy(x => x.column).ToDictionary(x => x.column, x => x.i, StringComparer.Ordinal);
        var metrics = MetricColumns.Where(at.ContainsKey).ToList();
        var dimensions = table.Dimensions.Where(d => at.ContainsKey(d.Column)).ToList();
        foreach (var (fields, number) in records.Skip(1))
        {
            var where = $"{name} line {number}";
            if (fields.Count != header.Count)
            {
                throw new FieldValidationException(where, $"has {fields.Count} fields, the header {header.Count}.");
            }

            string Field(string column) => fields[at[column]].Trim();
            if (!DateOnly.TryParseExact(Field("date"), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                throw new FieldValidationException(where, $"date: '{Field("date")}' is not a day (yyyy-MM-dd).");
            }

            var numbers = new Dictionary<string, ulong>(StringComparer.Ordinal);
            foreach (var column in metrics)
            {
                numbers[column] = ulong.TryParse(Field(column), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
                    : throw new FieldValidationException(where, $"{column}: '{Field(column)}' is not a whole number.");
            }

            ulong N(string column) => numbers.GetValueOrDefault(column);
            var sums = new Sums(N("visitors"), N("pageviews"), N("events"), N("visits") + N("entrances") + N("exits"), N("bounces"), N("visit_duration"));
            if (numbers.ContainsKey("bounces") && sums.Bounces > sums.Visits)
            {
                throw new FieldValidationException(where, $"bounces: {sums.Bounces} is more than the {sums.Visits} visits.");
            }

            var values = dimensions.Select(d => (d.Dimension, d.Dimension switch
            {
                "visit:device" => Field(d.Column).ToLowerInvariant(),
                "visit:country" => Field(d.Column).ToUpperInvariant(),
                "visit:browser" or "visit:os" => Names.GetValueOrDefault(Field(d.Column), Field(d.Column)),
                _ => Field(d.Column),
            })).ToList();
            if (table == Sources)
            {
                string Optional(string column) => at.ContainsKey(column) ? Field(column) : string.Empty;
                values.Add(("visit:channel", referrers!.Channel(Field("source"), Optional("utm_medium"), Optional("utm_campaign"), Optional("utm_source"), clickIdParam: string.Empty)));
            }

            yield return (date, values, sums);
        }
    }
}
