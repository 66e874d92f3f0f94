using Analytics.ServiceDefaults;
using Analytics.Storage.Properties;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;

namespace Analytics.Dashboard;

/// <summary>
/// Which password-protected shared links this browser has opened: after the right password, a cookie per link holding
/// its token, encrypted and signed with the dashboard's keys and valid for a day. A revoked link opens nothing, cookie
/// or not (the token must still name a link).
/// </summary>
public sealed class ShareAccess(IDataProtectionProvider protection, PublicUrl publicUrl)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);

    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("analytics.shared-link").ToTimeLimitedDataProtector();

    public bool IsUnlocked(HttpContext http, SharedLink link)
    {
        if (http.Request.Cookies[CookieName(link)] is not { } value)
        {
            return false;
        }

        try
        {
            return _protector.Unprotect(value) == link.Token;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false; // expired, tampered with, or made with a key this server no longer has
        }
    }

    public void Unlock(HttpContext http, SharedLink link)
        => http.Response.Cookies.Append(CookieName(link), _protector.Protect(link.Token, Lifetime), DashboardCookies.Options(publicUrl, http, Lifetime, SameSiteMode.Lax));

    private string CookieName(SharedLink link) => DashboardCookies.Name(publicUrl, $"analytics_share_{link.Id}");
}
