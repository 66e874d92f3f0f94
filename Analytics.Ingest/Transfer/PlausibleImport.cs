using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.Hosting;
using Analytics.Storage.Imports;
using Analytics.Storage.Properties;

namespace Analytics.Ingest.Transfer;

/// <summary>
/// Imports Plausible's CSV export (a zip, or a folder of its files): each <c>imported_visitors*.csv</c> table's daily
/// totals (<c>date,visitors,pageviews,bounces,visits,visit_duration</c>) go to ClickHouse's <c>imported_visitors</c>
/// under one import. Every line is checked before anything is stored (an error names the file, line and field). The
/// same files again are the same import (by a hash of their content): stored once. Days on or after the property's
/// first native event are left out, so imported and native days never overlap. Plausible's other tables (sources, pages,
/// locations, devices...) are named in the progress output as not imported: reports merge daily totals only, for now.
/// </summary>
public static class PlausibleImport
{
    public const string Source = "plausible";

    private static readonly string[] Columns = ["date", "visitors", "pageviews", "bounces", "visits", "visit_duration"];

    /// <summary>What an import did: the import, the days it stored, and whether it had been done before.</summary>
    public sealed record Outcome(Import Import, int Days, bool Already);

    public static async Task<Outcome> RunAsync(IClickHouse clickHouse, ImportStore imports, Property property, string path, Action<string> progress, CancellationToken cancellationToken)
    {
        var files = ExportFiles.Read(path);
        var tables = files.Where(f => Path.GetFileName(f.Name).StartsWith("imported_visitors", StringComparison.Ordinal) && f.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)).ToList();
        if (tables.Count == 0)
        {
            throw new FieldValidationException("path", $"{path} has no imported_visitors*.csv: give Plausible's CSV export (its zip, or the folder of its files).");
        }

        foreach (var other in files.Select(f => Path.GetFileName(f.Name)).Where(n => n.StartsWith("imported_", StringComparison.Ordinal) && !n.StartsWith("imported_visitors", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            progress($"{other}: not imported (reports merge the daily totals of imported_visitors; breakdowns of imports are not supported yet).");
        }

        var days = new SortedDictionary<DateOnly, Day>();
        foreach (var (name, bytes) in tables.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            foreach (var day in Parse(name, bytes))
            {
                if (!days.TryAdd(day.Date, day))
                {
                    throw new FieldValidationException(name, $"the day {day.Date:yyyy-MM-dd} is in the export twice.");
                }
            }
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(tables.OrderBy(t => t.Name, StringComparer.Ordinal).SelectMany(t => Encoding.UTF8.GetBytes(Path.GetFileName(t.Name) + "\n").Concat(t.Bytes)).ToArray()));
        var (import, created) = await imports.BeginAsync(property.Id, Source, Path.GetFileName(Path.TrimEndingDirectorySeparator(path)), hash, cancellationToken);
        if (!created && import.State == "done")
        {
            progress($"These files were imported already (import {import.Id}, {import.RowCount:N0} days): nothing changed.");
            return new Outcome(import, (int)import.RowCount, Already: true);
        }

        // Native days win: an imported day on or after the first native event is left out.
        var first = (await clickHouse.QueryAsync<FirstEvent>(
            "SELECT count() AS events, toString(toDate(min(timestamp), {zone:String})) AS day FROM events WHERE property_id = {property:UInt64}",
            new { property = (ulong)property.Id, zone = property.Timezone }, cancellationToken: cancellationToken))[0];
        var native = first.Events > 0 ? DateOnly.ParseExact(first.Day, "yyyy-MM-dd", CultureInfo.InvariantCulture) : DateOnly.MaxValue;
        var kept = days.Values.Where(d => d.Date < native).ToList();
        if (kept.Count < days.Count)
        {
            progress($"{days.Count - kept.Count:N0} days from {native:yyyy-MM-dd} on are left out: the property has its own events from then.");
        }

        // An interrupted import of the same files is redone from the start.
        await clickHouse.ExecuteAsync("ALTER TABLE imported_visitors DELETE WHERE property_id = {property:UInt64} AND import_id = {import:UInt64}",
            new { property = (ulong)property.Id, import = (ulong)import.Id }, new ClickHouseSettings { ["mutations_sync"] = "2" }, cancellationToken);
        foreach (var batch in kept.Chunk(10_000))
        {
            var json = new StringBuilder();
            foreach (var day in batch)
            {
                json.Append(JsonSerializer.Serialize(new
                {
                    property_id = (ulong)property.Id,
                    import_id = (ulong)import.Id,
                    date = day.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    visitors = day.Visitors,
                    pageviews = day.Pageviews,
                    bounces = day.Bounces,
                    visits = day.Visits,
                    visit_duration = day.VisitDuration,
                })).Append('\n');
            }

            await clickHouse.InsertAsync("imported_visitors", Encoding.UTF8.GetBytes(json.ToString()), cancellationToken: cancellationToken);
        }

        import = await imports.FinishAsync(import.Id, kept.Count > 0 ? kept[0].Date : null, kept.Count > 0 ? kept[^1].Date : null, kept.Count, cancellationToken);
        progress($"Imported {kept.Count:N0} days of {property.Domain}'s history from Plausible (import {import.Id}).");
        return new Outcome(import, kept.Count, Already: false);
    }

    /// <summary>Deletes an import: its rows in ClickHouse, then its record.</summary>
    public static async Task<bool> DeleteAsync(IClickHouse clickHouse, ImportStore imports, long propertyId, long importId, CancellationToken cancellationToken)
    {
        if (!(await imports.ListAsync(propertyId, cancellationToken)).Any(i => i.Id == importId))
        {
            return false;
        }

        await clickHouse.ExecuteAsync("ALTER TABLE imported_visitors DELETE WHERE property_id = {property:UInt64} AND import_id = {import:UInt64}",
            new { property = (ulong)propertyId, import = (ulong)importId }, new ClickHouseSettings { ["mutations_sync"] = "2" }, cancellationToken);
        return await imports.DeleteAsync(propertyId, importId, cancellationToken);
    }

    private sealed record FirstEvent(ulong Events, string Day);

    private sealed record Day(DateOnly Date, ulong Visitors, ulong Pageviews, ulong Bounces, ulong Visits, ulong VisitDuration);

    /// <summary>A visitors table's lines, each checked: the header names the columns (in any order), each line has a date and whole numbers.</summary>
    private static List<Day> Parse(string name, byte[] bytes)
    {
        var lines = Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF').Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var header = lines.Count > 0 ? lines[0].Split(',').Select(h => h.Trim().Trim('"')).ToList() : [];
        var positions = Columns.Select(c => (Column: c, At: header.IndexOf(c))).ToList();
        if (positions.FirstOrDefault(p => p.At < 0) is { Column: { } missing })
        {
            throw new FieldValidationException($"{name} line 1", $"the header has no column '{missing}' (it needs {string.Join(",", Columns)}).");
        }

        var days = new List<Day>();
        for (var number = 2; number <= lines.Count; number++)
        {
            var line = lines[number - 1];
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(',').Select(f => f.Trim().Trim('"')).ToList();
            string Field(int column) => positions[column].At < fields.Count ? fields[positions[column].At] : throw new FieldValidationException($"{name} line {number}", $"has {fields.Count} fields, the header {header.Count}.");
            if (!DateOnly.TryParseExact(Field(0), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                throw new FieldValidationException($"{name} line {number}", $"date: '{Field(0)}' is not a day (yyyy-MM-dd).");
            }

            ulong Number(int column) => ulong.TryParse(Field(column), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
                : throw new FieldValidationException($"{name} line {number}", $"{Columns[column]}: '{Field(column)}' is not a whole number.");
            var day = new Day(date, Number(1), Number(2), Number(3), Number(4), Number(5));
            if (day.Bounces > day.Visits)
            {
                throw new FieldValidationException($"{name} line {number}", $"bounces: {day.Bounces} is more than the day's {day.Visits} visits.");
            }

            days.Add(day);
        }

        return days;
    }
}
