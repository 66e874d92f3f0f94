using Analytics.Storage.ApiKeys;
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
