using System.CommandLine;
using Analytics.Storage.Hosting;

namespace Analytics.Cli.Commands;

internal static class MigrateCommand
{
    public static Command Create()
    {
        var migrate = new Command("migrate", "Applies pending schema migrations to PostgreSQL and ClickHouse, then exits. 'serve' does this too on start.");
        migrate.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            // Opening the stores applies what is pending, to both of them.
            await using var context = await AdminContext.OpenAsync(parse, Stores.Both, cancellationToken);
            AnalyticsCommandLine.Progress($"The schema is current in PostgreSQL and in ClickHouse ({context.DataDirectory}).");
            return 0;
        }));
        return migrate;
    }
}
