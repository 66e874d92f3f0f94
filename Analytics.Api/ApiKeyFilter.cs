using Analytics.Api.ApiKeys;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Api;

/// <summary>
/// Admits requests that carry a live API key as a bearer token (401 with a ProblemDetails body and an "error" string otherwise) and keeps
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
            return Unauthorized("API key required", "Send an API key as 'Authorization: Bearer <key>'.");
        }

        var key = await http.RequestServices.GetRequiredService<ApiKeyStore>().AuthenticateAsync(token, http.RequestAborted);
        if (key is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"analytics\", error=\"invalid_token\"";
            return Unauthorized("Invalid API key", "The API key is unknown or revoked.");
        }

        http.Items[typeof(ApiKey)] = key;
        return await next(context);
    }

    /// <summary>A 401 as ProblemDetails, with Plausible's "error" string beside it (its clients read that).</summary>
    private static ProblemHttpResult Unauthorized(string title, string detail)
        => TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: title, extensions: new Dictionary<string, object?> { ["error"] = detail });
}
