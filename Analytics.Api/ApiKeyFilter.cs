using Analytics.Storage.ApiKeys;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Api;

/// <summary>
/// Admits requests that carry a live API key as a bearer token (401 with a ProblemDetails body and an "error" string otherwise)
/// that has the endpoints' scope (403 otherwise), and keeps the key for <see cref="ApiAccess"/>, which
/// checks every property a request names against the key's scope.
/// </summary>
internal sealed class ApiKeyFilter(string scope) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (ServiceDefaults.BearerToken.Of(http) is not { } token)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"analytics\"";
            return ServiceDefaults.ErrorProblem.Of(StatusCodes.Status401Unauthorized, "API key required", "Send an API key as 'Authorization: Bearer <key>'.");
        }

        var key = await http.RequestServices.GetRequiredService<ApiKeyStore>().AuthenticateAsync(token, http.RequestAborted);
        if (key is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"analytics\", error=\"invalid_token\"";
            return ServiceDefaults.ErrorProblem.Of(StatusCodes.Status401Unauthorized, "Invalid API key", "The API key is unknown or revoked.");
        }

        if (!key.Allows(scope))
        {
            return ServiceDefaults.ErrorProblem.Of(StatusCodes.Status403Forbidden, "API key without the scope", $"This API key may not {ApiKey.Describe(scope)} (it may: {key.Scopes}); create one with the {scope} scope.");
        }

        http.Items[typeof(ApiKey)] = key;
        return await next(context);
    }

}
