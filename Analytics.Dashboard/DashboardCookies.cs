using Analytics.ServiceDefaults;
using Microsoft.AspNetCore.Http;

namespace Analytics.Dashboard;

/// <summary>
/// The dashboard's cookies, all alike: behind https they are Secure and take the <c>__Host-</c> prefix (only this exact
/// host, over https, path "/"); always HttpOnly and for the whole site.
/// </summary>
internal static class DashboardCookies
{
    public static string Name(PublicUrl publicUrl, string name) => (publicUrl.IsHttps ? "__Host-" : string.Empty) + name;

    /// <summary>A cookie this server writes itself (the framework's own cookies take the same rule through their options).</summary>
    public static CookieOptions Options(PublicUrl publicUrl, HttpContext http, TimeSpan maxAge, SameSiteMode sameSite) => new()
    {
        HttpOnly = true,
        SameSite = sameSite,
        Secure = publicUrl.IsHttps || http.Request.IsHttps,
        Path = "/",
        MaxAge = maxAge,
    };
}
