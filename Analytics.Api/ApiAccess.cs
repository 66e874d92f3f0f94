using Analytics.Api.ApiKeys;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Api;

/// <summary>
/// Finds the property a request names, among those its API key may read. A property outside the key's scope is
/// "not found", whether or not it exists, so a key cannot even learn which properties exist.
/// </summary>
internal static class ApiAccess
{
    public static string? BearerToken(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && header.Length > Scheme.Length ? header[Scheme.Length..].Trim() : null;
    }

    public static ApiKey Key(HttpContext http) => (ApiKey)http.Items[typeof(ApiKey)]!;

    public static async Task<Property> PropertyAsync(HttpContext http, long id)
        => await http.RequestServices.GetRequiredService<ApiKeyStore>().FindReadableAsync(Key(http), id, http.RequestAborted)
            ?? throw new PropertyNotFoundException($"There is no property {id} that this API key may read.");

    public static async Task<Property> PropertyAsync(HttpContext http, string? domain, string field)
    {
        if (string.IsNullOrWhiteSpace(domain))
        {
            throw new FieldValidationException(field, "name the property by its domain, e.g. example.com.");
        }

        return await http.RequestServices.GetRequiredService<ApiKeyStore>().FindReadableAsync(Key(http), domain, http.RequestAborted)
            ?? throw new PropertyNotFoundException($"There is no property '{domain}' that this API key may read.");
    }
}

/// <summary>The property does not exist or is outside the key's scope: both answer 404.</summary>
internal sealed class PropertyNotFoundException(string message) : Exception(message);

/// <summary>Turns refused input into 400 and unknown properties into 404, as ProblemDetails naming the field (with Plausible's "error" too).</summary>
internal sealed class ApiErrorFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (FieldValidationException e)
        {
            var message = $"{e.Field}: {e.Message}";
            return TypedResults.Problem(message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
                extensions: new Dictionary<string, object?> { ["field"] = e.Field, ["error"] = message });
        }
        catch (PropertyNotFoundException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status404NotFound, title: "Not found",
                extensions: new Dictionary<string, object?> { ["error"] = e.Message });
        }
    }
}
