using Analytics.ApiKeys;
using Analytics.ClickHouse;
using Analytics.ClickHouse.Migrations;
using Analytics.Postgres;
using Analytics.Properties;
using Analytics.Users;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Analytics.Hosting;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers both stores of a started <see cref="StorageRuntime"/> and the services over them.</summary>
    public static IServiceCollection AddAnalyticsStorage(this IServiceCollection services, StorageRuntime runtime)
    {
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        services.AddSingleton(runtime);
        services.AddSingleton(_ => NpgsqlDataSource.Create(runtime.PostgresConnectionString));
        if (runtime.ClickHouse is { } clickHouse)
        {
            services.AddSingleton(clickHouse);
            services.AddSingleton<ClickHouseMigrator>();
        }

        services.AddSingleton<PostgresMigrator>();
        services.AddSingleton<PropertyStore>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<ApiKeyStore>();
        return services;
    }
}
