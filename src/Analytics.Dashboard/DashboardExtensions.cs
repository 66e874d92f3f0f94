using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Dashboard;

/// <summary>
/// The dashboard role. The Blazor dashboard arrives with issue #5; until then "/" is a status page that tells an
/// operator the instance is up and where its API and health endpoints are.
/// </summary>
public static class DashboardExtensions
{
    public static IServiceCollection AddDashboard(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", StatusPage).ExcludeFromDescription();
        return endpoints;
    }

    private static IResult StatusPage()
    {
        // Deliberately shows nothing about properties: it is public, and accounts arrive with the dashboard.
        const string Html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Analytics</title>
            <style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:3rem auto;padding:0 1rem;color:#1f2937}
            code{background:#f3f4f6;padding:.1rem .3rem}</style></head>
            <body><h1>Analytics is running</h1>
            <p>Health: <a href="/health">/health</a> &middot; API description: <a href="/openapi/v1.json">/openapi/v1.json</a></p>
            <p>Add a property with <code>./analytics properties add example.com --timezone Europe/Berlin</code>, then put
            <code>&lt;script defer data-domain="example.com" src="/js/script.js"&gt;&lt;/script&gt;</code> (with this server's address) into its pages.</p>
            <p style="color:#6b7280;font-size:.85rem">IP Geolocation by <a href="https://db-ip.com">DB-IP</a> (CC BY 4.0).</p>
            </body></html>
            """;
        return Results.Content(Html, "text/html; charset=utf-8");
    }
}
