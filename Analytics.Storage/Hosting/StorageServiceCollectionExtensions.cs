using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Migrations;
using Analytics.Storage.Postgres;
using Analytics.Storage.Properties;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Analytics.Storage.Hosting;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers both stores of a started <see cref="StorageRuntime"/>.</summary>
    public static IServiceCollection AddAnalyticsStorage(this IServiceCollection services, StorageRuntime runtime)
        => services.AddSingleton(runtime).AddAnalyticsStorage(runtime.ClickHouse, runtime.PostgresConnectionString);

    /// <summary>
    /// Registers the stores over a ClickHouse database and a PostgreSQL connection string (null: without that store),
    /// their migrators, and the property records every feature reads. Each feature registers its own services over them.
    /// </summary>
    public static IServiceCollection AddAnalyticsStorage(this IServiceCollection services, IClickHouse? clickHouse, string? postgresConnectionString)
    {
        services.TryAddSingleton(TimeProvider.System);
        if (clickHouse is not null)
        {
            services.AddSingleton(clickHouse);
            services.AddSingleton<ClickHouseMigrator>();
            services.AddSingleton<ClickHouseUpgrade>();
        }

        if (postgresConnectionString is null)
        {
            return services;
        }

        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        services.AddSingleton(_ => NpgsqlDataSource.Create(postgresConnectionString));
        services.AddSingleton<PostgresMigrator>();
        services.AddSingleton<PropertyStore>();
        services.AddSingleton<ApiKeys.ApiKeyStore>();
        services.AddSingleton<Goals.GoalStore>();
        services.AddSingleton<Funnels.FunnelStore>();
        services.AddSingleton<PropertyDrops>();
        services.AddSingleton<SharedLinkStore>();
        services.AddSingleton<SegmentStore>();
        services.AddSingleton<MemberStore>();
        services.AddSingleton<Notifications.NotificationStore>();
        services.AddSingleton<Imports.ImportStore>();
        return services;
    }
}
