using System.CommandLine;
using System.Net.Sockets;
using Analytics.Api;
using Analytics.ClickHouse.Migrations;
using Analytics.Dashboard;
using Analytics.Host.Admin;
using Analytics.Host.Demo;
using Analytics.Hosting;
using Analytics.Ingest;
using Analytics.Postgres;
using Analytics.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Analytics.Host.Commands;

internal static class ServeCommand
{
    public const string DefaultUrls = "http://localhost:8000";

    public static readonly Option<string?> Urls = new("--urls")
    {
        Description = $"Where to listen (default {DefaultUrls}; env ASPNETCORE_URLS).",
    };

    public static readonly Option<string> Roles = new("--roles")
    {
        Description = "Which roles this process serves: all, or a comma list of ingest, api, dashboard (split deployment).",
        DefaultValueFactory = _ => "all",
    };

    public static readonly Option<bool> Demo = new("--demo")
    {
        Description = "Add a demo property (demo.example.com) with 90 days of generated history and live generated traffic.",
    };

    public static Command Create()
    {
        var serve = new Command("serve", "Runs the server: collect endpoint, reporting API and dashboard (default: all roles in one process).")
        {
            Urls, Roles, Demo,
        };
        serve.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(() => RunAsync(parse, cancellationToken)));
        return serve;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var roles = ServerRoles.Parse(parse.GetValue(Roles)!);
        var demo = parse.GetValue(Demo);
        var configuration = AnalyticsCommandLine.Configuration(parse);
        var urls = parse.GetValue(Urls) ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? DefaultUrls;
        var publicUrl = PublicUrl.Resolve(configuration, urls);
        if (roles.Dashboard && publicUrl is null)
        {
            throw PublicUrl.Missing(urls);
        }

        var stores = (roles.NeedsClickHouse || demo ? Stores.Both : Stores.Postgres) | (roles.Dashboard ? Stores.Accounts : Stores.Postgres);
        await using var runtime = await StorageRuntime.StartAsync(configuration, stores, AnalyticsCommandLine.Progress, cancellationToken, ownsPostgres: true);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(ServeCommand).Assembly.GetName().Name, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddConfiguration(configuration);
        builder.WebHost.UseUrls(urls);
        builder.Services.AddAnalyticsStorage(runtime);
        builder.Services.AddServiceDefaults(configuration, publicUrl, withClickHouse: roles.NeedsClickHouse);
        if (roles.Ingest)
        {
            var ingest = await IngestRuntime.LoadAsync(configuration, AnalyticsCommandLine.Progress, cancellationToken);
            builder.Services.AddIngest(ingest, configuration, runtime.DataDirectory);
        }

        if (roles.Api)
        {
            builder.Services.AddApi(configuration);
        }

        if (roles.Dashboard)
        {
            // A build (tests, `dotnet run`) serves Radzen's files from the NuGet cache through this manifest; a publish
            // has them in wwwroot and no manifest, which makes this a no-op.
            builder.WebHost.UseStaticWebAssets();
            builder.Services.AddDashboard(configuration, runtime.DataDirectory, publicUrl!);
        }

        if (demo)
        {
            builder.Services.AddDemoTraffic();
        }

        await using var app = builder.Build();
        await app.Services.GetRequiredService<PostgresMigrator>().MigrateAsync(cancellationToken);
        if (runtime.ClickHouse is not null)
        {
            await app.Services.GetRequiredService<ClickHouseMigrator>().MigrateAsync(cancellationToken);
        }

        app.MapDefaultEndpoints();
        if (roles.Ingest)
        {
            await app.Services.StartIngestAsync(cancellationToken);
            app.MapIngestEndpoints();
        }

        if (roles.Api)
        {
            app.MapApiEndpoints();
        }

        if (roles.Dashboard)
        {
            app.MapDashboardEndpoints();
        }

        var adminToken = ServerFile.NewToken();
        if (runtime.ClickHouse is not null && roles.Ingest)
        {
            app.MapAdminEndpoints(adminToken);
        }

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            throw new OptionsException($"Cannot listen on {urls}: the address is already in use. Stop whatever holds it, or choose another with --urls (or ASPNETCORE_URLS).");
        }

        ServerFile.Write(runtime.DataDirectory, app.Urls, adminToken, publicUrl);
        if (roles.Dashboard)
        {
            await app.Services.AnnounceSetupAsync(cancellationToken);
        }

        AnalyticsCommandLine.Progress($"Analytics is up on {string.Join(", ", app.Urls)} (roles: {roles}; data: {runtime.DataDirectory}). Press Ctrl+C to stop.");
        try
        {
            await app.WaitForShutdownAsync(cancellationToken);
        }
        finally
        {
            ServerFile.Delete(runtime.DataDirectory);
        }

        return 0;
    }
}
