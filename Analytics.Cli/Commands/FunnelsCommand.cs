using System.CommandLine;
using Analytics.Storage.Funnels;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;

namespace Analytics.Cli.Commands;

internal static class FunnelsCommand
{
    public static Command Create()
    {
        Option<string> Property() => new("--property") { Description = "The property's domain, e.g. example.com.", Required = true };
        var addProperty = Property();
        var name = new Option<string>("--name") { Description = "The funnel's name, e.g. 'Signup flow'.", Required = true };
        var steps = new Option<string[]>("--step")
        {
            Description = $"A step: a goal's display name (see 'goals list'); repeat in order, {FunnelStore.MinSteps} to {FunnelStore.MaxSteps} times.",
            Required = true,
        };
        var add = new Command("add", "Adds a funnel: goals a visit completes in order. Reports count every event already stored.") { addProperty, name, steps };
        add.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            var property = await context.PropertyAsync(parse.GetValue(addProperty)!, cancellationToken);
            Funnel funnel;
            try
            {
                funnel = await context.Get<FunnelStore>().AddAsync(property.Id, parse.GetValue(name), parse.GetValue(steps) ?? [], cancellationToken);
            }
            catch (FieldValidationException e) when (e.Field.StartsWith("steps", StringComparison.Ordinal) || e.Field == "name")
            {
                // The store names its fields; here they are options (steps[2] is the third --step).
                throw new FieldValidationException(e.Field == "name" ? "--name" : "--step", e.Message);
            }

            Console.WriteLine(funnel.Id);
            AnalyticsCommandLine.Progress($"Added funnel {funnel.Id}, '{funnel.Name}' ({string.Join(" > ", funnel.Steps.Select(g => g.DisplayName))}), to {property.Domain}.");
            return 0;
        }));

        var listProperty = Property();
        var list = new Command("list", "Lists a property's funnels: id, name and steps.") { listProperty };
        list.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            var property = await context.PropertyAsync(parse.GetValue(listProperty)!, cancellationToken);
            foreach (var funnel in await context.Get<FunnelStore>().ListAsync(property.Id, cancellationToken))
            {
                Console.WriteLine($"{funnel.Id}\t{funnel.Name}\t{string.Join(" > ", funnel.Steps.Select(g => g.DisplayName))}");
            }

            return 0;
        }));

        var deleteProperty = Property();
        var id = new Argument<long>("id") { Description = "The funnel's id (see 'funnels list')." };
        var delete = new Command("delete", "Deletes a funnel of a property (its goals stay).") { deleteProperty, id };
        delete.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            var property = await context.PropertyAsync(parse.GetValue(deleteProperty)!, cancellationToken);
            if (!await context.Get<FunnelStore>().DeleteAsync(property.Id, parse.GetValue(id), cancellationToken))
            {
                throw new FieldValidationException("id", $"{property.Domain} has no funnel {parse.GetValue(id)} (see 'funnels list').");
            }

            AnalyticsCommandLine.Progress($"Deleted funnel {parse.GetValue(id)} of {property.Domain}.");
            return 0;
        }));

        return new Command("funnels", "Adds, lists and deletes a property's funnels: 2 to 8 goals a visit completes in order.") { add, list, delete };
    }
}
