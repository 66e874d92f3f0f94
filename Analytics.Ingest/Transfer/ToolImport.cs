using Analytics.Storage.ClickHouse;
using Analytics.Storage.Hosting;
using Analytics.Storage.Imports;
using Analytics.Storage.Properties;

namespace Analytics.Ingest.Transfer;

/// <summary>
/// Another tool's export into a property, as the command line, the running server and the settings page all take it:
/// Plausible's aggregates become imported history (kept apart); Umami's and GA4's raw events become the property's own.
/// </summary>
public static class ToolImport
{
    public static readonly IReadOnlyList<string> Sources = [PlausibleImport.Source, UmamiImport.Source, Ga4Import.Source];

    /// <param name="countryCode">An English country name's ISO code (GA4 exports names), null when unknown.</param>
    public static async Task RunAsync(IClickHouse clickHouse, ImportStore imports, Property property, string source, string path, Func<string, string?> countryCode, Action<string> progress, CancellationToken cancellationToken)
    {
        if (source == PlausibleImport.Source)
        {
            await PlausibleImport.RunAsync(clickHouse, imports, property, path, progress, cancellationToken);
            return;
        }

        var count = source switch
        {
            UmamiImport.Source => await UmamiImport.RunAsync(clickHouse, property, path, progress, cancellationToken),
            Ga4Import.Source => await Ga4Import.RunAsync(clickHouse, property, path, countryCode, progress, cancellationToken),
            _ => throw new FieldValidationException("--from", $"'{source}' is not a tool this imports from; use {string.Join(", ", Sources)}."),
        };
        progress($"Imported {count:N0} events into {property.Domain}.");

        // Imported history stops where a property's own events began when it was imported; these events may reach into it.
        if (await PlausibleImport.FirstOwnDayAsync(clickHouse, property, cancellationToken) is not { } first)
        {
            return;
        }

        var overlap = (await clickHouse.QueryAsync<Overlap>(
            "SELECT toUInt64(count()) AS days FROM imported_visitors FINAL WHERE property_id = {property:UInt64} AND date >= {first:Date}",
            new { property = (ulong)property.Id, first = first.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) }, cancellationToken: cancellationToken))[0];
        if (overlap.Days > 0)
        {
            progress($"Warning: {overlap.Days:N0} days of imported history now lie on or after this property's first own event; where these events cover the same days, reports that include imported data count both. Delete that import (analytics imports list / delete) if so.");
        }
    }

    private sealed record Overlap(ulong Days);
}
