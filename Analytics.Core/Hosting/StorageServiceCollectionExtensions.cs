using Microsoft.Extensions.DependencyInjection.Extensions;
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
        => services.AddSingleton(runtime).AddAnalyticsStorage(runtime.ClickHouse, runtime.PostgresConnectionString, runtime.Passwords);

    /// <summary>
    /// Registers the stores over a ClickHouse database and a PostgreSQL connection string (null: without that store).
    /// Accounts (<see cref="UserStore"/>) need the <paramref name="passwords"/> policy too.
    /// </summary>
    public static IServiceCollection AddAnalyticsStorage(this IServiceCollection services, IClickHouse? clickHouse, string? postgresConnectionString, PasswordPolicy? passwords = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        if (clickHouse is not null)
        {
            services.AddSingleton(clickHouse);
            services.AddSingleton<ClickHouseMigrator>();
            services.AddSingleton<Events.EventData>();
            services.AddSingleton<Reports.ReportEngine>();
            services.AddSingleton<Reports.LiveQueries>();
        }

        if (postgresConnectionString is null)
        {
            return services;
        }

        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        services.AddSingleton(_ => NpgsqlDataSource.Create(postgresConnectionString));
        services.AddSingleton<PostgresMigrator>();
        services.AddSingleton<PropertyStore>();
        if (passwords is not null)
        {
            services.AddSingleton(passwords);
        }

        services.TryAddSingleton<Security.SecurityLog>();
        services.AddSingleton<Security.AttemptThrottle>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<Salts.SaltStore>();
        return services;
    }
}
