using Analytics.ApiKeys;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Api;

/// <summary>Admits requests that carry a live API key as a bearer token; 401 with a ProblemDetails body otherwise.</summary>
internal sealed class ApiKeyFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = http.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem("Send an API key as 'Authorization: Bearer <key>'.", statusCode: StatusCodes.Status401Unauthorized, title: "API key required");
        }

        var keys = http.RequestServices.GetRequiredService<ApiKeyStore>();
        var key = await keys.AuthenticateAsync(header[Scheme.Length..].Trim(), http.RequestAborted);
        if (key is null)
        {
            return TypedResults.Problem("The API key is unknown or revoked.", statusCode: StatusCodes.Status401Unauthorized, title: "Invalid API key");
        }

        // Keys that belong to a user are scoped to that user's properties once accounts arrive (issue #5);
        // until then only instance keys (no owner) are created.
        if (key.UserId is not null)
        {
            return TypedResults.Problem("This API key belongs to a user; user-scoped reporting is not available yet.", statusCode: StatusCodes.Status403Forbidden);
        }

        return await next(context);
    }
}
