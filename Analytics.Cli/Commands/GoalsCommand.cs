using System.CommandLine;
using System.Globalization;
using Analytics.Storage.Goals;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;

namespace Analytics.Cli.Commands;

internal static class GoalsCommand
{
    public static Command Create()
    {
        Option<string> Property() => new("--property") { Description = "The property's domain, e.g. example.com.", Required = true };
        var addProperty = Property();
        var eventName = new Option<string?>("--event") { Description = "A custom event goal: the event's name, e.g. Signup." };
        var page = new Option<string?>("--page") { Description = "A pageview goal: a path pattern, e.g. /pricing, /blog/* (one segment) or /docs/** (any depth)." };
        var scroll = new Option<string?>("--scroll") { Description = "A scroll goal: a path pattern and the share of the page, e.g. /blog/**:75." };
        var name = new Option<string?>("--name") { Description = "How reports name it (default: the event's name, 'Visit PATTERN' or 'Scroll N% on PATTERN')." };
        var currency = new Option<string?>("--currency") { Description = "With --event: a revenue goal, in this ISO 4217 currency, e.g. EUR." };
        var props = new Option<string[]>("--prop") { Description = "With --event: count only events with this custom property value, KEY=VALUE; repeat for several.", AllowMultipleArgumentsPerToken = false };
        var add = new Command("add", "Adds a goal to a property and prints its id. Goals apply to the events already stored too.")
        {
            addProperty, eventName, page, scroll, name, currency, props,
        };
        add.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            var (path, threshold) = (parse.GetValue(page), (int?)null);
            if (parse.GetValue(scroll) is { } scrolled)
            {
                var colon = scrolled.LastIndexOf(':');
                if (path is not null || colon < 1 || !int.TryParse(scrolled[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var share))
                {
                    throw new FieldValidationException("--scroll", "give a path pattern and a percentage, e.g. /blog/**:75 (and not --page as well).");
                }

                (path, threshold) = (scrolled[..colon], share);
            }

            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var prop in parse.GetValue(props) ?? [])
            {
                var equals = prop.IndexOf('=');
                values[equals > 0 ? prop[..equals] : throw new FieldValidationException("--prop", $"'{prop}' is not KEY=VALUE.")] = prop[(equals + 1)..];
            }

            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            var property = await context.PropertyAsync(parse.GetValue(addProperty)!, cancellationToken);
            Goal goal;
            try
            {
                goal = await context.Get<GoalStore>().AddAsync(property.Id, new GoalDefinition(parse.GetValue(eventName), path, threshold, parse.GetValue(name), parse.GetValue(currency), values), cancellationToken);
            }
            catch (FieldValidationException e) when (e.Field is "event" or "page" or "scroll" or "name" or "currency" or "props")
            {
                // The store names its fields; here they are options.
                throw new FieldValidationException(e.Field == "props" ? "--prop" : "--" + e.Field, e.Message);
            }

            Console.WriteLine(goal.Id);
            AnalyticsCommandLine.Progress($"Added goal {goal.Id}, '{goal.DisplayName}', to {property.Domain}.");
            return 0;
        }));

        var listProperty = Property();
        var list = new Command("list", "Lists a property's goals: id, name, kind, what it counts, currency.") { listProperty };
        list.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            var property = await context.PropertyAsync(parse.GetValue(listProperty)!, cancellationToken);
            foreach (var goal in await context.Get<GoalStore>().ListAsync(property.Id, cancellationToken))
            {
                var target = goal.Kind switch
                {
                    GoalKind.Event => goal.EventName + string.Concat(goal.CustomProps.Select(p => $" {p.Key}={p.Value}")),
                    GoalKind.Scroll => $"{goal.PagePath} scrolled {goal.ScrollThreshold}%",
                    _ => goal.PagePath,
                };
                Console.WriteLine($"{goal.Id}\t{goal.DisplayName}\t{goal.Kind.ToString().ToLowerInvariant()}\t{target}\t{goal.Currency}");
            }

            return 0;
        }));

        var deleteProperty = Property();
        var id = new Argument<long>("id") { Description = "The goal's id (see 'goals list')." };
        var delete = new Command("delete", "Deletes a goal of a property (its events stay; reports stop naming it).") { deleteProperty, id };
        delete.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            var property = await context.PropertyAsync(parse.GetValue(deleteProperty)!, cancellationToken);
            if (!await context.Get<GoalStore>().DeleteAsync(property.Id, parse.GetValue(id), cancellationToken))
            {
                throw new FieldValidationException("id", $"{property.Domain} has no goal {parse.GetValue(id)} (see 'goals list').");
            }

            AnalyticsCommandLine.Progress($"Deleted goal {parse.GetValue(id)} of {property.Domain}.");
            return 0;
        }));

        return new Command("goals", "Adds, lists and deletes a property's goals: custom events, pageviews on a path pattern, or pages scrolled to a share.") { add, list, delete };
    }
}
