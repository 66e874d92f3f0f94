using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Migrations;
using Analytics.Storage.Properties;
using Analytics.Storage.Hosting;
using Analytics.Ingest.Collect;
using Analytics.Ingest.Sessions;
using Analytics.Ingest.Spool;
using Analytics.Ingest.Visitors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Analytics.ServiceDefaults;

namespace Analytics.Ingest;

/// <summary>The collect role: <c>POST /api/event</c>, the spool and its batcher, <c>/metrics</c>.</summary>
public static class IngestExtensions
{
    public static IServiceCollection AddIngest(this IServiceCollection services, IngestRuntime runtime, IConfiguration configuration, string dataDirectory)
    {
        services.AddEventData();
        services.AddSettings<SpoolOptions>(configuration, SpoolOptions.Section);
        services.AddSettings<CollectOptions>(configuration, CollectOptions.Section);
        services.AddSingleton(runtime.UserAgents);
        services.AddSingleton(runtime.Geo);
        services.AddSingleton(runtime.Referrers);
        services.AddSingleton(runtime.Spam);
        services.AddSingleton<CollectLimits>();
        services.AddSingleton<Collect.EventKeys>();
        services.AddSingleton<IngestMetrics>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("analytics"))
            .WithMetrics(metrics => metrics.AddMeter(IngestMetrics.MeterName, "System.Runtime").AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        services.AddSingleton(sp =>
        {
            var spool = sp.GetRequiredService<SpoolOptions>();
            return new EventSpool(spool, spool.Directory ?? Path.Combine(dataDirectory, "spool"), sp.GetRequiredService<IngestMetrics>(), sp.GetRequiredService<ILogger<EventSpool>>());
        });
        services.AddSingleton<SpoolBatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<SpoolBatcher>());
        services.AddSingleton<RetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        services.TryAddSingleton(ClientAddress.FromConfiguration(configuration)); // the same one every role has (ServiceDefaults)
        services.AddSingleton<EventEnricher>();
        services.AddSingleton<PropertyDirectory>();
        services.AddSingleton<DropCounters>();
        services.AddHostedService(sp => sp.GetRequiredService<DropCounters>());
        services.AddSingleton<VisitorIds>();
        services.AddSingleton<SessionAssigner>();
        services.AddSingleton<CollectEndpoint>();
        return services;
    }

    /// <summary>The stored events as a whole (deletion, the code of ClickHouse migrations) and the visitor salts, which every role and the admin commands use.</summary>
    public static IServiceCollection AddEventData(this IServiceCollection services)
    {
        services.TryAddSingleton<EventDeletion>();
        services.TryAddSingleton<PropertyDeletion>();
        services.TryAddSingleton<SaltStore>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickHouseDataMigration, Events.ChannelBackfill>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickHouseDataMigration, Events.EventReplay>());
        return services;
    }

    /// <summary>
    /// Before listening: insert what a previous run left in the spool, then rebuild the sessions of the last 30 minutes.
    /// While ClickHouse migrations are to run in the background (<paramref name="upgrading"/>), the spool waits for them
    /// (the batcher inserts it after), and the sessions are rebuilt from the tables as they are before the migrations.
    /// </summary>
    public static async Task StartIngestAsync(this IServiceProvider services, bool upgrading, CancellationToken cancellationToken)
    {
        var logger = services.GetRequiredService<ILogger<SpoolBatcher>>();
        var clickHouse = services.GetRequiredService<IClickHouse>();
        if (!upgrading && !await services.GetRequiredService<SpoolBatcher>().DrainAsync(cancellationToken))
        {
            logger.LogWarning("ClickHouse did not take the spooled events at start; they stay on disk and are retried");
        }

        try
        {
            await services.GetRequiredService<SessionAssigner>().RecoverAsync(clickHouse, cancellationToken);
        }
        catch (ClickHouseException e)
        {
            logger.LogWarning(e, "Active sessions could not be recovered from ClickHouse; returning visitors of the last 30 minutes start new sessions");
        }
    }

    /// <summary>
    /// A direct loopback connection (nothing forwarded it: a proxy on this machine would make anyone look local), or the
    /// configured token as a bearer token, compared in constant time.
    /// </summary>
    private static bool MetricsAllowed(HttpContext context, string? token)
    {
        if (context.Connection.RemoteIpAddress is { } remote && System.Net.IPAddress.IsLoopback(remote) && !context.Request.Headers.ContainsKey("X-Forwarded-For"))
        {
            return true;
        }

        var sent = context.Request.Headers.Authorization.ToString();
        return !string.IsNullOrEmpty(token) && sent.StartsWith("Bearer ", StringComparison.Ordinal)
            && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(sent["Bearer ".Length..].Trim()), System.Text.Encoding.UTF8.GetBytes(token));
    }

    public static IEndpointRouteBuilder MapIngestEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/event", (HttpContext context, CollectEndpoint endpoint) => endpoint.HandleAsync(context))
            .WithMetadata(BeaconEndpoint.Instance)
            .WithName("CollectEvent")
            .WithTags("Collect")
            .WithSummary("Records a pageview, engagement or custom event (Plausible Events API format).")
            .WithDescription("The body is JSON sent with any content type (the tracker sends text/plain). 202: kept on disk. 400: a ValidationProblem naming each bad field. 413: larger than 16 KiB. 503 with Retry-After: not accepting now. Events dropped on purpose (bot, unknown-property, hostname-not-allowed, do-not-track, no-session, ...) and the tracker's notices (ignored: localhost or automated-browser) answer 202 with the X-Analytics-Dropped header, and are counted per property for the installation check.")
            .Produces(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        endpoints.MapMethods("/api/event", ["OPTIONS"], CollectEndpoint.Preflight).WithMetadata(BeaconEndpoint.Instance).ExcludeFromDescription();
        endpoints.MapMethods("/js/{file}", [HttpMethods.Get, HttpMethods.Head], TrackerScript.Serve).ExcludeFromDescription();
        var token = endpoints.ServiceProvider.GetRequiredService<CollectOptions>().MetricsToken;
        endpoints.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: branch => branch.Use((context, next) =>
                MetricsAllowed(context, token)
                    ? next(context)
                    : Results.Problem(
                        "/metrics answers only on this machine (not through a proxy), or to 'Authorization: Bearer <Collect:MetricsToken>'.",
                        statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context)), optionsName: null)
            .WithTags("Operations")
            .WithSummary("Collect's metrics in Prometheus text format (loopback, or with the metrics token).");
        return endpoints;
    }
}
