using System.CommandLine;
using System.Globalization;
using Analytics.Storage.ClickHouse;
using Analytics.Ingest.Events;
using Analytics.Cli.Admin;
using Analytics.Storage.Hosting;
using Analytics.Ingest.Transfer;
using Analytics.Storage.Properties;
using Analytics.Api.Reports;
using NodaTime;

namespace Analytics.Cli.Commands;

/// <summary>
/// <c>export</c> and <c>import</c> of raw events. They open the embedded ClickHouse themselves when no server holds it,
/// and otherwise ask the running server (through <c>server.json</c> in the data directory).
/// </summary>
internal static class TransferCommands
{
    private static readonly Option<string> Property = new("--property") { Description = "The property's domain, e.g. example.com.", Required = true };

    public static Command Export()
    {
        var from = new Option<string?>("--from") { Description = "First day (yyyy-MM-dd) in the property's time zone; default: the beginning." };
        var to = new Option<string?>("--to") { Description = "Last day (yyyy-MM-dd, inclusive) in the property's time zone; default: the end." };
        var format = new Option<string>("--format") { Description = "jsonl (one object per event), csv or parquet.", DefaultValueFactory = _ => "jsonl" };
        var output = new Option<string?>("--output") { Description = "Write to this file instead of standard output." };
        var command = new Command("export", "Writes a property's raw events (UTC timestamps) as JSONL, CSV or Parquet; progress goes to stderr.") { Property, from, to, format, output };
        command.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            var kind = parse.GetValue(format)!.ToLowerInvariant();
            if (!EventExport.Formats.Contains(kind))
            {
                throw new FieldValidationException("--format", $"'{kind}' is not one of jsonl, csv, parquet.");
            }

            var (first, last) = (Date(parse.GetValue(from), "--from"), Date(parse.GetValue(to), "--to"));
            await using var stream = parse.GetValue(output) is { } path ? File.Create(path) : Console.OpenStandardOutput();
            var domain = parse.GetValue(Property)!;
            var local = await LocalAsync(parse, cancellationToken);
            if (local is not null)
            {
                await using (local)
                {
                    var property = await local.PropertyAsync(domain, cancellationToken);
                    var count = await EventExport.WriteAsync(local.Get<IClickHouse>(), property, first, last, kind, stream, AnalyticsCommandLine.Progress, cancellationToken);
                    AnalyticsCommandLine.Progress($"Exported {count:N0} events of {property.Domain}.");
                    return 0;
                }
            }

            var query = $"property={Uri.EscapeDataString(domain)}&format={kind}"
                + (first is null ? string.Empty : $"&from={parse.GetValue(from)}") + (last is null ? string.Empty : $"&to={parse.GetValue(to)}");
            using var response = await RemoteAsync(parse, HttpMethod.Get, $"/internal/export?{query}", null, cancellationToken);
            await response.Content.CopyToAsync(stream, cancellationToken);
            AnalyticsCommandLine.Progress($"Exported the events of {domain} through the running server.");
            return 0;
        }));
        return command;
    }

    public static Command Import()
    {
        var file = new Argument<string>("file") { Description = "A JSONL file of events (the export's format), or - for standard input; with --from plausible, Plausible's CSV export (its zip, or the folder of its files)." };
        var from = new Option<string>("--from") { Description = "What the file is: analytics (our raw events, JSONL), plausible (Plausible's CSV export; its day totals and breakdowns are kept apart as imported history), umami (Umami's data export) or ga4 (GA4's BigQuery export as JSON lines or Parquet); the raw events of the last two become this property's events.", DefaultValueFactory = _ => "analytics" };
        var command = new Command("import", "Loads raw events from JSONL keeping their timestamps (backfill), or another tool's history (--from plausible); importing the same files twice stores them once.") { Property, file, from };
        command.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            var path = parse.GetValue(file)!;
            switch (parse.GetValue(from))
            {
                case "analytics":
                    break;
                case PlausibleImport.Source or UmamiImport.Source or Ga4Import.Source:
                    return await ImportFromAsync(parse, parse.GetValue(from)!, parse.GetValue(Property)!, Path.GetFullPath(path), cancellationToken);
                default:
                    throw new FieldValidationException("--from", $"'{parse.GetValue(from)}' is not a source this command reads; use analytics, plausible, umami or ga4.");
            }

            if (path != "-" && !File.Exists(path))
            {
                throw new FieldValidationException("file", $"'{path}' does not exist.");
            }

            await using var input = path == "-" ? Console.OpenStandardInput() : File.OpenRead(path);
            var domain = parse.GetValue(Property)!;
            var local = await LocalAsync(parse, cancellationToken);
            if (local is not null)
            {
                await using (local)
                {
                    var property = await local.PropertyAsync(domain, cancellationToken);
                    var count = await EventImport.RunAsync(local.Get<IClickHouse>(), property, input, AnalyticsCommandLine.Progress, cancellationToken);
                    AnalyticsCommandLine.Progress($"Imported {count:N0} events into {property.Domain}.");
                    return 0;
                }
            }

            using var response = await RemoteAsync(parse, HttpMethod.Post, $"/internal/import?property={Uri.EscapeDataString(domain)}", new StreamContent(input), cancellationToken);
            AnalyticsCommandLine.Progress($"Imported {await response.Content.ReadAsStringAsync(cancellationToken)} events into {domain} through the running server.");
            return 0;
        }));
        return command;
    }

    /// <summary>Another tool's export (plausible, umami, ga4) into the property, here or through the running server.</summary>
    private static async Task<int> ImportFromAsync(ParseResult parse, string source, string domain, string path, CancellationToken cancellationToken)
    {
        var local = await LocalAsync(parse, cancellationToken);
        if (local is not null)
        {
            await using (local)
            {
                var property = await local.PropertyAsync(domain, cancellationToken);
                await Analytics.Ingest.Transfer.ToolImport.RunAsync(local.Get<IClickHouse>(), local.Get<Storage.Imports.ImportStore>(), property, source, path, Api.Reports.Countries.Code, AnalyticsCommandLine.Progress, cancellationToken);
                return 0;
            }
        }

        using var response = await RemoteAsync(parse, HttpMethod.Post, $"/internal/import-from?source={source}&property={Uri.EscapeDataString(domain)}&path={Uri.EscapeDataString(path)}", null, cancellationToken);
        AnalyticsCommandLine.Progress(await response.Content.ReadAsStringAsync(cancellationToken));
        return 0;
    }

    /// <summary>Lists and deletes a property's imports of other tools' history.</summary>
    public static Command Imports()
    {
        var listProperty = new Option<string>("--property") { Description = "The property's domain, e.g. example.com.", Required = true };
        var list = new Command("list", "Lists a property's imports: id, source, what was read, the days it covers, days stored, state.") { listProperty };
        list.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            var property = await context.PropertyAsync(parse.GetValue(listProperty)!, cancellationToken);
            foreach (var import in await context.Get<Storage.Imports.ImportStore>().ListAsync(property.Id, cancellationToken))
            {
                Console.WriteLine($"{import.Id}\t{import.Source}\t{import.Label}\t{import.FirstDay:yyyy-MM-dd}\t{import.LastDay:yyyy-MM-dd}\t{import.RowCount}\t{import.State}");
            }

            return 0;
        }));

        var deleteProperty = new Option<string>("--property") { Description = "The property's domain, e.g. example.com.", Required = true };
        var id = new Argument<long>("id") { Description = "The import's id (see 'imports list')." };
        var delete = new Command("delete", "Deletes an import and the history it brought (through the running server when it holds the data).") { deleteProperty, id };
        delete.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            var domain = parse.GetValue(deleteProperty)!;
            var local = await LocalAsync(parse, cancellationToken);
            if (local is not null)
            {
                await using (local)
                {
                    var property = await local.PropertyAsync(domain, cancellationToken);
                    if (!await PlausibleImport.DeleteAsync(local.Get<IClickHouse>(), local.Get<Storage.Imports.ImportStore>(), property.Id, parse.GetValue(id), cancellationToken))
                    {
                        throw new FieldValidationException("id", $"{property.Domain} has no import {parse.GetValue(id)} (see 'imports list').");
                    }
                }
            }
            else
            {
                using var response = await RemoteAsync(parse, HttpMethod.Post, $"/internal/delete-import?property={Uri.EscapeDataString(domain)}&id={parse.GetValue(id)}", null, cancellationToken);
            }

            AnalyticsCommandLine.Progress($"Deleted import {parse.GetValue(id)} of {domain}.");
            return 0;
        }));

        return new Command("imports", "Lists and deletes a property's imports of other tools' history ('import --from plausible' makes them).") { list, delete };
    }

    /// <summary>The stores with ClickHouse opened here, or null (said on standard error) when a running server holds the embedded engine.</summary>
    internal static async Task<AdminContext?> LocalAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        try
        {
            return await AdminContext.OpenAsync(parse, Stores.Both, cancellationToken);
        }
        catch (ClickHouseException e) when (e.ErrorCode == ClickHouseException.DataDirectoryInUse)
        {
            AnalyticsCommandLine.Progress("The analytics server is running on this data directory and holds its ClickHouse, so this goes through the server.");
            return null;
        }
    }

    /// <summary>Asks the running server that holds the embedded engine (its address and token are in server.json).</summary>
    internal static async Task<HttpResponseMessage> RemoteAsync(ParseResult parse, HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        var configuration = AnalyticsCommandLine.Configuration(parse);
        var dataDirectory = DataDirectory.Resolve(configuration[DataDirectory.ConfigKey]);
        var server = ServerFile.Read(dataDirectory)
            ?? throw new OptionsException($"The ClickHouse data in {dataDirectory} is held by another process, but no running server left its address (server.json).");
        using var http = new HttpClient { BaseAddress = new Uri(server.Url), Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add(AdminEndpoints.TokenHeader, server.Token);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            response.Dispose();
            throw new OptionsException($"The running server refused ({(int)response.StatusCode}): {detail}");
        }

        return response;
    }

    private static LocalDate? Date(string? text, string option) => text is null ? null : ReportRanges.ParseDay(text, option);
}
