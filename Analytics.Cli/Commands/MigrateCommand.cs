using System.CommandLine;
using Analytics.Storage.Hosting;

namespace Analytics.Cli.Commands;

internal static class MigrateCommand
{
    public static Command Create()
    {
        var migrate = new Command("migrate", "Applies pending schema migrations to PostgreSQL and ClickHouse with their progress, then exits; one stopped half-way resumes at the next run. 'serve' does this too on start (those with work on stored events after it listens, collecting meanwhile).");
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
