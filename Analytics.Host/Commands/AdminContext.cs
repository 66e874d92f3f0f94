using System.CommandLine;
using Analytics.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Analytics.Host.Commands;

/// <summary>
/// The stores an admin command works on. PostgreSQL-only commands run beside a running server (they join its
/// private cluster); commands that need ClickHouse open the embedded engine, which one process at a time can hold.
/// Each store opened is migrated first.
/// </summary>
internal sealed class AdminContext : IAsyncDisposable
{
    private readonly StorageRuntime _runtime;
    private readonly ServiceProvider _services;

    private AdminContext(StorageRuntime runtime, ServiceProvider services)
    {
        _runtime = runtime;
        _services = services;
    }

    public string DataDirectory => _runtime.DataDirectory;

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public static Task<AdminContext> OpenAsync(ParseResult parse, Stores stores, CancellationToken cancellationToken)
        => OpenAsync(AnalyticsCommandLine.Configuration(parse), stores, cancellationToken);

    public static async Task<AdminContext> OpenAsync(Microsoft.Extensions.Configuration.IConfiguration configuration, Stores stores, CancellationToken cancellationToken)
    {
        var runtime = await StorageRuntime.StartAsync(configuration, stores, AnalyticsCommandLine.Progress, cancellationToken);
        var services = new ServiceCollection()
            .AddLogging(logging => logging
                .AddSimpleConsole(o => o.SingleLine = true)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace) // standard output is the command's answer
                .SetMinimumLevel(LogLevel.Warning)
                .AddFilter("Analytics.Security", LogLevel.Information))
            .AddAnalyticsStorage(runtime)
            .BuildServiceProvider();
        var context = new AdminContext(runtime, services);
        if (runtime.PostgresConnectionString is not null)
        {
            await services.GetRequiredService<Postgres.PostgresMigrator>().MigrateAsync(cancellationToken);
        }

        if (runtime.ClickHouse is not null)
        {
            await services.GetRequiredService<ClickHouse.Migrations.ClickHouseMigrator>().MigrateAsync(cancellationToken);
        }

        return context;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _runtime.DisposeAsync();
    }
}
