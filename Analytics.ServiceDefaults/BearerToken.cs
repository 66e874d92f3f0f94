using Microsoft.AspNetCore.Http;

namespace Analytics.ServiceDefaults;

/// <summary>The secret a request presents as <c>Authorization: Bearer &lt;token&gt;</c> (API keys, to the reporting API and to collect).</summary>
public static class BearerToken
{
    public static string? Of(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && header.Length > Scheme.Length ? header[Scheme.Length..].Trim() : null;
    }
}
