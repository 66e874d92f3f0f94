using System.CommandLine;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;

namespace Analytics.Cli.Commands;

internal static class PropertiesCommand
{
    public static Command Create()
    {
        var domain = new Argument<string>("domain") { Description = "The site's domain, e.g. example.com." };
        var timezone = new Option<string>("--timezone")
        {
            Description = "IANA time zone every report of this property uses, e.g. Europe/Berlin or Asia/Kathmandu.",
            DefaultValueFactory = _ => "UTC",
        };
        var name = new Option<string?>("--name") { Description = "Display name (default: the domain)." };
        var owner = new Option<string?>("--owner") { Description = "The email of the account that owns it (it then shows on that account's dashboard)." };
        var add = new Command("add", "Adds a property and prints its id.") { domain, timezone, name, owner };
        add.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken, accounts: parse.GetValue(owner) is not null);
            var ownerId = parse.GetValue(owner) is { } email ? (await context.OwnerAsync(email, "--owner", cancellationToken)).Id : (long?)null;
            var property = await context.Get<PropertyStore>().AddAsync(parse.GetValue(domain)!, parse.GetValue(name), parse.GetValue(timezone)!, ownerId, cancellationToken);
            Console.WriteLine(property.Id);
            AnalyticsCommandLine.Progress($"Added {property.Domain} ({property.Timezone}) as property {property.Id}.");
            return 0;
        }));

        var list = new Command("list", "Lists properties: id, domain, time zone, name, first day of the week.");
        list.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            foreach (var property in await context.Get<PropertyStore>().ListAsync(cancellationToken))
            {
                Console.WriteLine($"{property.Id}\t{property.Domain}\t{property.Timezone}\t{property.Name}\tweeks from {property.FirstDayOfWeek}");
            }

            return 0;
        }));

        var id = new Argument<long>("id") { Description = "The property's id (see 'properties list')." };
        var delete = new Command("delete", "Deletes a property and all of its data: its settings, members and key scopes in PostgreSQL, and every event and rollup row in ClickHouse.") { id };
        delete.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            var local = await TransferCommands.LocalAsync(parse, cancellationToken);
            if (local is null)
            {
                using var response = await TransferCommands.RemoteAsync(parse, HttpMethod.Post, $"/internal/delete-property?id={parse.GetValue(id)}", null, cancellationToken);
            }
            else
            {
                await using (local)
                {
                    if (!await local.Get<PropertyDeletion>().DeleteAsync(parse.GetValue(id), cancellationToken))
                    {
                        await Console.Error.WriteLineAsync($"error: id: there is no property {parse.GetValue(id)}.");
                        return 1;
                    }
                }
            }

            AnalyticsCommandLine.Progress($"Deleted property {parse.GetValue(id)} and all of its data.");
            return 0;
        }));

        var newZone = new Option<string?>("--timezone") { Description = "A new IANA time zone; every report, past data included, follows it at once." };
        var newName = new Option<string?>("--name") { Description = "A new display name." };
        var weekStart = new Option<string?>("--week-start") { Description = "The day weekly reports start on: monday ... sunday (default monday)." };
        var hostnames = new Option<string?>("--hostnames") { Description = "Keep events only from these hostnames, comma-separated (*.example.com: its subdomains); \"\" allows any." };
        var retention = new Option<int?>("--retention-days") { Description = "Delete events older than this many days (checked hourly); 0 keeps everything." };
        var honorDnt = new Option<bool?>("--honor-dnt") { Description = "true: drop events from browsers that send Do Not Track or Global Privacy Control." };
        var excludeIps = new Option<string?>("--exclude-ips") { Description = "Shields: drop events from these addresses and CIDR ranges, comma-separated (203.0.113.7, 10.0.0.0/8, 2001:db8::/48); \"\" removes them." };
        var excludePages = new Option<string?>("--exclude-pages") { Description = "Shields: drop events on pages matching these patterns, comma-separated (* within a segment, ** across: /admin/**); \"\" removes them." };
        var excludeCountries = new Option<string?>("--exclude-countries") { Description = "Shields: drop events from these countries, comma-separated ISO codes (DE,US); \"\" removes them." };
        var update = new Command("update", "Changes a property's time zone, first day of the week, name, allowed hostnames, retention, Do Not Track handling or shields (excluded traffic).")
        {
            id, newZone, weekStart, newName, hostnames, retention, honorDnt, excludeIps, excludePages, excludeCountries,
        };
        update.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            var week = parse.GetValue(weekStart) is { } day ? PropertyValidation.ParseWeekStart(day) : (short?)null;
            string[]? List(Option<string?> option) => parse.GetValue(option)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var (ips, pages, countries) = (List(excludeIps), List(excludePages), List(excludeCountries));
            Shields.Normalize(ips, pages, countries); // a bad rule changes nothing
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            var store = context.Get<PropertyStore>();
            var property = await store.UpdateAsync(parse.GetValue(id), parse.GetValue(newName), parse.GetValue(newZone), week, cancellationToken);
            var hosts = parse.GetValue(hostnames)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (property is not null && (hosts is not null || parse.GetValue(retention) is not null || parse.GetValue(honorDnt) is not null))
            {
                property = await store.UpdatePrivacyAsync(property.Id, hosts, parse.GetValue(retention), parse.GetValue(honorDnt), cancellationToken);
            }

            if (property is not null && (ips is not null || pages is not null || countries is not null))
            {
                property = await store.UpdateShieldsAsync(property.Id, ips, pages, countries, cancellationToken);
            }

            if (property is null)
            {
                await Console.Error.WriteLineAsync($"error: id: there is no property {parse.GetValue(id)}.");
                return 1;
            }

            static string Listed(string[] rules) => rules.Length == 0 ? "none" : string.Join(", ", rules);
            AnalyticsCommandLine.Progress($"Property {property.Id}: {property.Domain}, {property.Timezone}, weeks start on {property.FirstDayOfWeek}; " +
                $"hostnames: {(property.AllowedHostnames.Length == 0 ? "any" : string.Join(", ", property.AllowedHostnames))}; " +
                $"retention: {(property.RetentionDays is { } d ? $"{d} days" : "all")}; Do Not Track / GPC {(property.HonorDoNotTrack ? "honoured" : "not honoured")}; " +
                $"excluded addresses: {Listed(property.Shields.Addresses)}; pages: {Listed(property.Shields.Pages)}; countries: {Listed(property.Shields.Countries)}.");
            return 0;
        }));

        return new Command("properties", "Adds, lists, updates and deletes properties (websites).") { add, list, update, delete };
    }
}
