using Analytics.Storage.Properties;
using System.CommandLine;
using Analytics.Api;
using Analytics.Dashboard;
using Analytics.Dashboard.Accounts;
using Analytics.Ingest;
using Analytics.Storage.ClickHouse.Migrations;
using Analytics.Storage.Hosting;
using Analytics.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Analytics.Cli.Commands;

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

    /// <summary>The account with this email (opened with <c>accounts: true</c>); an unknown one is refused naming <paramref name="option"/>.</summary>
    public async Task<User> OwnerAsync(string email, string option, CancellationToken cancellationToken)
        => await Get<UserStore>().FindByEmailAsync(email, cancellationToken)
           ?? throw new FieldValidationException(option, $"there is no account '{email}' (add one with 'users add').");

    /// <summary>The property with this domain; an unknown one is refused naming the <c>--property</c> option.</summary>
    public async Task<Property> PropertyAsync(string domain, CancellationToken cancellationToken)
        => await Get<PropertyStore>().FindByDomainAsync(domain, cancellationToken)
           ?? throw new FieldValidationException("--property", $"there is no property '{domain}' (see 'analytics properties list').");

    public static Task<AdminContext> OpenAsync(ParseResult parse, Stores stores, CancellationToken cancellationToken, bool accounts = false, bool notifications = false)
        => OpenAsync(AnalyticsCommandLine.Configuration(parse), stores, cancellationToken, accounts, notifications);

    /// <param name="accounts">True for the commands that set passwords: they load the common-password list (fetched once).</param>
    /// <param name="notifications">True for the commands that send reports: mail, the public URL for links, rendering and delivery.</param>
    public static async Task<AdminContext> OpenAsync(Microsoft.Extensions.Configuration.IConfiguration configuration, Stores stores, CancellationToken cancellationToken, bool accounts = false, bool notifications = false)
    {
        var passwords = accounts ? await PasswordPolicy.LoadAsync(AnalyticsCommandLine.Progress, cancellationToken) : null;
        var runtime = await StorageRuntime.StartAsync(configuration, stores, AnalyticsCommandLine.Progress, cancellationToken);
        var services = new ServiceCollection()
            .AddLogging(logging => logging
                .AddSimpleConsole(o => o.SingleLine = true)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace) // standard output is the command's answer
                .SetMinimumLevel(LogLevel.Warning)
                .AddFilter("Analytics.Security", LogLevel.Information)
                .AddFilter("Analytics.Storage.ClickHouse.Migrations", LogLevel.Information) // a migration's progress
                .AddFilter("Analytics.Ingest.Events", LogLevel.Information)) // the progress of a migration's code
            .AddAnalyticsStorage(runtime)
            .AddReporting(configuration)
            .AddEventData();
        if (passwords is not null)
        {
            services.AddAccounts(passwords);
        }

        if (notifications)
        {
            var listening = Admin.ServerFile.Read(runtime.DataDirectory)?.PublicUrl ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? ServeCommand.DefaultUrls;
            services.AddSingleton(ServiceDefaults.PublicUrl.Resolve(configuration, listening) ?? throw ServiceDefaults.PublicUrl.Missing(listening));
            services.AddSettings<ServiceDefaults.SmtpOptions>(configuration, ServiceDefaults.SmtpOptions.Section);
            services.AddSingleton<ServiceDefaults.Mailer>();
            services.AddNotifications(configuration);
        }

        var provider = services.BuildServiceProvider();
        var context = new AdminContext(runtime, provider);
        if (runtime.PostgresConnectionString is not null)
        {
            await provider.GetRequiredService<PostgresMigrator>().MigrateAsync(cancellationToken);
        }

        if (runtime.ClickHouse is not null)
        {
            await provider.GetRequiredService<ClickHouseMigrator>().MigrateAsync(cancellationToken);
        }

        return context;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _runtime.DisposeAsync();
    }
}
