using System.CommandLine;
using System.Net.Sockets;
using Analytics.Cli.Admin;
using Analytics.Cli.Serving;
using Analytics.Dashboard;
using Analytics.ServiceDefaults;
using Analytics.Storage.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;

namespace Analytics.Cli.Commands;

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

        var stores = roles.NeedsClickHouse || demo ? Stores.Both : Stores.Postgres;
        var loaded = await AnalyticsApplication.LoadAsync(configuration, roles, AnalyticsCommandLine.Progress, cancellationToken);
        await using var runtime = await StorageRuntime.StartAsync(configuration, stores, AnalyticsCommandLine.Progress, cancellationToken, ownsPostgres: true);
        // The entry assembly names the static assets manifest its build published: analytics, or analytics-bench.
        var application = (System.Reflection.Assembly.GetEntryAssembly() ?? typeof(ServeCommand).Assembly).GetName().Name;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ApplicationName = application, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddConfiguration(configuration);
        builder.WebHost.UseUrls(urls);
        builder.Services.AddAnalyticsStorage(runtime);
        builder.AddAnalytics(configuration, roles, loaded, runtime.DataDirectory, publicUrl, demo);
        await using var app = builder.Build();
        await app.MapAnalyticsAsync(roles, cancellationToken);
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
