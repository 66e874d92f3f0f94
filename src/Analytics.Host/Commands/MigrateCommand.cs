using System.CommandLine;
using Analytics.ClickHouse.Migrations;
using Analytics.Postgres;

namespace Analytics.Host.Commands;

internal static class MigrateCommand
{
    public static Command Create()
    {
        var migrate = new Command("migrate", "Applies pending schema migrations to PostgreSQL and ClickHouse, then exits. 'serve' does this too on start.");
        migrate.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, withClickHouse: true, cancellationToken);
            var applied = await context.Get<ClickHouseMigrator>().MigrateAsync(cancellationToken);
            AnalyticsCommandLine.Progress($"Schema is current (ClickHouse: {applied} migration(s) applied now).");
            return 0;
        }));
        return migrate;
    }
}
