using Analytics.Storage.ApiKeys;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Api;

/// <summary>
/// Finds the property a request names, among those its API key may read. A property outside the key's scope is
/// "not found", whether or not it exists, so a key cannot even learn which properties exist. A change also needs the
/// role it takes (<see cref="PropertyRole"/>) from the key's owner (a key made on the command line belongs to nobody
/// and may do what the operator may); without it the answer is 403, naming the role.
/// </summary>
internal static class ApiAccess
{
    public static ApiKey Key(HttpContext http) => (ApiKey)http.Items[typeof(ApiKey)]!;

    public static async Task<Property> PropertyAsync(HttpContext http, long id)
        => await http.RequestServices.GetRequiredService<ApiKeyStore>().FindReadableAsync(Key(http), id, http.RequestAborted)
            ?? throw new PropertyNotFoundException($"There is no property {id} that this API key may read.");

    /// <summary>The named property, when the key's owner has <paramref name="least"/> or a role above it there.</summary>
    public static async Task<Property> PropertyAsync(HttpContext http, string? domain, string field, PropertyRole least)
    {
        var property = await PropertyAsync(http, domain, field);
        if (Key(http).UserId is { } user && await http.RequestServices.GetRequiredService<PropertyStore>().RoleAsync(user, property.Id, http.RequestAborted) is { } role && role < least)
        {
            throw new ApiForbiddenException($"This needs the {least.Name()} role in {property.Domain}; this key's owner is {role.WithArticle()} there.");
        }

        return property;
    }

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
