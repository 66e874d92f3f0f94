using Analytics.Properties;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Api;

/// <summary>The reporting role. Reporting queries arrive with issue #4; the property lookup is here already.</summary>
public static class ApiExtensions
{
    public static IServiceCollection AddApi(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapApiEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1").WithTags("Properties").AddEndpointFilter<ApiKeyFilter>();
        group.MapGet("/properties", ListProperties)
            .WithName("ListProperties")
            .WithSummary("Lists the properties the API key may read.")
            .WithDescription("Requires `Authorization: Bearer <API key>`. Keys without an owner (created with `analytics keys create`) see every property.");
        return endpoints;
    }

    private static async Task<Ok<IReadOnlyList<Property>>> ListProperties(PropertyStore properties, CancellationToken cancellationToken)
        => TypedResults.Ok(await properties.ListAsync(cancellationToken));
}
