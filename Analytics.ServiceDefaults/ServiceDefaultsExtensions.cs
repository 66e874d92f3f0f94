using System.Text.Json;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Migrations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Configuration;
using Microsoft.Net.Http.Headers;
using Analytics.Storage.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Scalar.AspNetCore;

namespace Analytics.ServiceDefaults;

/// <summary>
/// What every role of the host has: security headers on every response, the client's address and scheme from trusted
/// proxies only, requests for other hosts refused, ProblemDetails errors, the OpenAPI document, and /health.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <param name="publicUrl">Where users reach the server (<see cref="PublicUrl"/>); null when no host is known, and then no host is refused.</param>
    public static IServiceCollection AddServiceDefaults(this IServiceCollection services, IConfiguration configuration, PublicUrl? publicUrl, bool withClickHouse)
    {
        services.TryAddSingleton(ClientAddress.FromConfiguration(configuration));
        if (publicUrl is not null)
        {
            services.AddSingleton(publicUrl);
        }

        services.AddSettings<SmtpOptions>(configuration, SmtpOptions.Section);
        services.TryAddSingleton<Mailer>();
        services.TryAddSingleton<InvitationMail>();
        services.AddProblemDetails();

        // JSON bodies use snake_case names, as Plausible's APIs (which we are compatible with) and ClickHouse do.
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Analytics API";
            document.Info.Description = "Self-hosted, cookieless web analytics: collect and reporting endpoints.";
            return Task.CompletedTask;
        }));
        var checks = services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres");
        if (withClickHouse)
        {
            checks.AddCheck<ClickHouseHealthCheck>("clickhouse");
        }

        return services;
    }

    /// <summary>
    /// Headers every response carries, but a <see cref="BeaconEndpoint"/>'s (which has none of a document's policies).
    /// The policy allows only this server's own scripts, styles, fonts and images (Radzen's style attributes need inline
    /// styles; no page has an inline script), no framing and no plugins; pages may post forms only to this server. CORS
    /// is per surface: the collect endpoint answers any origin (without credentials), the tracker script is a plain
    /// script, and the API and the dashboard send no CORS headers, so no other origin's page can read them.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// Set in <see cref="HttpContext.Items"/> by a page that other sites may frame (an embeddable shared dashboard): its
    /// policy allows any frame ancestor and no X-Frame-Options is sent.
    /// </summary>
    public const string FrameableItem = "analytics:frameable";

    /// <summary>Where the API reference lives (<c>/scalar/v1</c>).</summary>
    private const string ReferencePath = "/scalar";

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        var publicUrl = app.Services.GetService<PublicUrl>();
        var clients = app.Services.GetRequiredService<ClientAddress>();
        var https = publicUrl?.IsHttps == true;

        // Set as the response starts, so that error pages (which clear the headers of the response they replace) carry
        // them too. Anything not marked cacheable is not stored: pages, API answers and exports are private. One delegate
        // for every request (the collect endpoint runs through here too), with the response as its state.
        Func<object, Task> applyHeaders = state =>
        {
            var context = (HttpContext)state;
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            if (https || context.Request.IsHttps)
            {
                headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
            }

            if (!headers.ContainsKey(HeaderNames.CacheControl))
            {
                headers.CacheControl = "no-store";
            }

            if (context.GetEndpoint()?.Metadata.GetMetadata<BeaconEndpoint>() is not null)
            {
                return Task.CompletedTask; // never shown as a page: the document policies below would only add bytes
            }

            // The API reference page starts Scalar with an inline script carrying a fresh nonce; only that script is allowed.
            headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments(ReferencePath, StringComparison.Ordinal)
                && context.Items.TryGetValue(ScalarOptions.NonceHttpContextItemKey, out var nonce) && nonce is string value
                ? ContentSecurityPolicy.Replace("script-src 'self'", $"script-src 'self' 'nonce-{value}'", StringComparison.Ordinal)
                : context.Items.ContainsKey(FrameableItem) ? ContentSecurityPolicy.Replace("frame-ancestors 'none'", "frame-ancestors *", StringComparison.Ordinal)
                : ContentSecurityPolicy;
            if (!context.Items.ContainsKey(FrameableItem))
            {
                headers.XFrameOptions = "DENY";
            }

            headers["Referrer-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            return Task.CompletedTask;
        };

        app.Use((context, next) =>
        {
            // Only a trusted proxy says which scheme the client used (the TLS proxy in front of us).
            if (context.Request.Headers.TryGetValue("X-Forwarded-Proto", out var forwarded) && clients.IsTrustedProxy(context))
            {
                var scheme = forwarded.ToString().Split(',')[^1].Trim().ToLowerInvariant();
                if (scheme is "http" or "https")
                {
                    context.Request.Scheme = scheme;
                }
            }

            context.Response.OnStarting(applyHeaders, context);

            // A request for another host (a forged Host header) is refused, so nothing can be made to point elsewhere.
            if (publicUrl is not null && !publicUrl.Allows(context.Request.Host))
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return context.Response.WriteAsJsonAsync(
                    new { title = "Unknown host", status = 400, detail = $"Host: '{context.Request.Host}' is not this server's address ({publicUrl.Origin.GetLeftPart(UriPartial.Authority)}; setting Dashboard:PublicUrl)." },
                    (JsonSerializerOptions?)null, "application/problem+json");
            }

            return next(context);
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi();

        // A browsable reference of /openapi/v1.json at /scalar/v1. Its scripts and styles come from this server (Scalar's
        // bundle), fonts are the system's, and its telemetry is off: the page talks to nothing but this server.
        app.MapScalarApiReference(ReferencePath, options => options
            .WithTitle("Analytics API")
            .WithNonce()
            .DisableDefaultFonts()
            .DisableTelemetry());
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealthAsync });
        return app;
    }

    /// <summary>200 when every dependency answers, 503 otherwise, with one entry per dependency.</summary>
    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), duration_ms = Math.Round(e.Value.Duration.TotalMilliseconds, 1), error = e.Value.Exception?.Message, detail = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    private sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("PostgreSQL does not answer.", e);
            }
        }
    }

    private sealed class ClickHouseHealthCheck(IClickHouse clickHouse, ClickHouseUpgrade upgrade) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            // A migration's statement may hold the embedded engine for a while: the server is up, collect takes events.
            if (upgrade.Running)
            {
                return HealthCheckResult.Degraded($"ClickHouse migrations are running ({upgrade.Status}); collect keeps the events in the spool meanwhile.");
            }

            try
            {
                await clickHouse.QueryRawAsync("SELECT 1", "TabSeparated", cancellationToken: cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (ClickHouseException e)
            {
                return HealthCheckResult.Unhealthy("ClickHouse does not answer.", e);
            }
        }
    }
}
