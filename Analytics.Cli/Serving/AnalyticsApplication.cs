using Analytics.Api;
using Analytics.Dashboard;
using Analytics.Dashboard.Accounts;
using Analytics.Ingest;
using Analytics.Ingest.Demo;
using Analytics.ServiceDefaults;
using Analytics.Storage.ClickHouse.Migrations;
using Analytics.Storage.Postgres;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Analytics.Cli.Serving;

/// <summary>
/// The one composition root: the roles of a server wired as <c>serve</c> runs them. The in-process test hosts call the
/// same three steps, so the tests run the production wiring. The stores are registered before
/// (<c>AddAnalyticsStorage</c>): <c>serve</c> over the runtime it started, a test over the run's shared engines.
/// </summary>
internal static class AnalyticsApplication
{
    /// <summary>What the roles need loaded before their services can be registered.</summary>
    /// <param name="Ingest">Enrichment data (user-agent rules, geo database, referrer lists); ingest only.</param>
    /// <param name="Passwords">The common-password list; the dashboard only.</param>
    public sealed record Prerequisites(IngestRuntime? Ingest, PasswordPolicy? Passwords);

    public static async Task<Prerequisites> LoadAsync(IConfiguration configuration, ServerRoles roles, Action<string> progress, CancellationToken cancellationToken)
        => new(
            roles.Ingest ? await IngestRuntime.LoadAsync(configuration, progress, cancellationToken) : null,
            roles.Dashboard ? await PasswordPolicy.LoadAsync(progress, cancellationToken) : null);

    /// <param name="dataDirectory">Where the spool and the dashboard's keys live.</param>
    /// <param name="publicUrl">Where users reach the server; required with the dashboard role.</param>
    /// <param name="demo">Adds live generated traffic for the demo property.</param>
    public static WebApplicationBuilder AddAnalytics(this WebApplicationBuilder builder, IConfiguration configuration, ServerRoles roles, Prerequisites loaded, string dataDirectory, PublicUrl? publicUrl, bool demo = false)
    {
        var services = builder.Services;
        services.AddServiceDefaults(configuration, publicUrl, withClickHouse: roles.NeedsClickHouse);
        services.AddEventData(); // every role migrates the stores, with the migrations' code
        if (roles.Ingest)
        {
            services.AddIngest(loaded.Ingest ?? throw new ArgumentException("The ingest role needs its enrichment data loaded.", nameof(loaded)), configuration, dataDirectory);
        }

        if (roles.Api)
        {
            services.AddApi(configuration);
        }

        if (roles.Dashboard)
        {
            // A build (tests, `dotnet run`) serves Radzen's files from the NuGet cache through this manifest; a publish
            // has them in wwwroot and no manifest, which makes this a no-op.
            builder.WebHost.UseStaticWebAssets();
            services.AddDashboard(configuration, dataDirectory, publicUrl ?? throw new ArgumentNullException(nameof(publicUrl), "The dashboard role needs its public URL."),
                loaded.Passwords ?? throw new ArgumentException("The dashboard role needs the password policy loaded.", nameof(loaded)));
        }

        if (demo)
        {
            services.AddDemoTraffic();
        }

        return builder;
    }

    /// <summary>
    /// Migrates the stores, starts ingest (the spool's leftovers, recent sessions) and maps every role's endpoints. ClickHouse
    /// migrations with work on stored events (minutes on a large directory) run once the server listens instead
    /// (<see cref="ClickHouseUpgrade"/>): collect accepts events into the spool meanwhile, and the rest answers 503.
    /// </summary>
    public static async Task MapAnalyticsAsync(this WebApplication app, ServerRoles roles, CancellationToken cancellationToken)
    {
        // Every role's settings, checked before anything starts: a bad one stops the start with the line that names it.
        app.Services.GetRequiredService<IStartupValidator>().Validate();
        await app.Services.GetRequiredService<PostgresMigrator>().MigrateAsync(cancellationToken);
        var clickHouse = app.Services.GetService<ClickHouseMigrator>();
        var upgrading = clickHouse is not null && await clickHouse.HasDataWorkPendingAsync(cancellationToken);
        if (clickHouse is not null && !upgrading)
        {
            await clickHouse.MigrateAsync(cancellationToken);
        }

        app.MapDefaultEndpoints();
        if (upgrading)
        {
            var upgrade = app.Services.GetRequiredService<ClickHouseUpgrade>();
            app.Use((context, next) => !upgrade.Running || WhileUpgrading(context.Request.Path) ? next(context) : UpgradingAsync(context, upgrade.Status));
            var lifetime = app.Lifetime;
            var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lifetime.ApplicationStarted.Register(() => listening.TrySetResult());
            upgrade.Start(listening.Task, () =>
            {
                Environment.ExitCode = 1;
                lifetime.StopApplication();
            }, lifetime.ApplicationStopping); // running from here: the spool's batcher, which starts with the host, inserts nothing
        }

        if (roles.Ingest)
        {
            await app.Services.StartIngestAsync(upgrading, cancellationToken);
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
    }

    /// <summary>What answers while ClickHouse migrations run: collect, the tracker script, health and metrics.</summary>
    private static bool WhileUpgrading(PathString path)
        => path.StartsWithSegments("/api/event", StringComparison.Ordinal) || path.StartsWithSegments("/js", StringComparison.Ordinal)
            || path.StartsWithSegments("/health", StringComparison.Ordinal) || path.StartsWithSegments("/metrics", StringComparison.Ordinal);

    /// <summary>503 while migrations run: a page that looks again every 30 s for a browser, ProblemDetails for the rest.</summary>
    private static Task UpgradingAsync(HttpContext context, string status)
    {
        const string Title = "Upgrading the stored data";
        var detail = $"The stored data is being upgraded ({status}); reports answer again when it is done (the server log shows the progress). Events sent meanwhile are kept.";
        context.Response.Headers.RetryAfter = "30";
        if (context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "text/html; charset=utf-8";
            return context.Response.WriteAsync(
                $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"30\"><title>{Title}</title></head>"
                + $"<body><h1>{Title}</h1><p>{System.Net.WebUtility.HtmlEncode(detail)}</p><p>This page looks again every 30 seconds.</p></body></html>");
        }

        return Results.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: Title).ExecuteAsync(context);
    }
}
