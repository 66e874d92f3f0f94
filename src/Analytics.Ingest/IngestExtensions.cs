using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Ingest;

/// <summary>
/// The collect role: <c>POST /api/event</c>, the tracker script, enrichment and the durable spool (issue #3 builds
/// them here). The host calls these whenever the role is enabled, so the split deployment needs no other wiring.
/// </summary>
public static class IngestExtensions
{
    public static IServiceCollection AddIngest(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapIngestEndpoints(this IEndpointRouteBuilder endpoints) => endpoints;
}
