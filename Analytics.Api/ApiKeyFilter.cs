using Analytics.Api.ApiKeys;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Api;

/// <summary>
/// Admits requests that carry a live API key as a bearer token (401 with a ProblemDetails body otherwise) and keeps
/// the key for <see cref="ApiAccess"/>, which checks every property a request names against the key's scope.
/// </summary>
internal sealed class ApiKeyFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (ApiAccess.BearerToken(http) is not { } token)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"analytics\"";
            return TypedResults.Problem("Send an API key as 'Authorization: Bearer <key>'.", statusCode: StatusCodes.Status401Unauthorized, title: "API key required");
        }

        var key = await http.RequestServices.GetRequiredService<ApiKeyStore>().AuthenticateAsync(token, http.RequestAborted);
        if (key is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"analytics\", error=\"invalid_token\"";
            return TypedResults.Problem("The API key is unknown or revoked.", statusCode: StatusCodes.Status401Unauthorized, title: "Invalid API key");
        }

        http.Items[typeof(ApiKey)] = key;
        return await next(context);
    }
}
