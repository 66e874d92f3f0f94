using Microsoft.Extensions.Logging;

namespace Analytics.ServiceDefaults;

/// <summary>
/// Security events (ASVS 5.0 V16) as structured log entries of category <c>Analytics.Security</c>: what happened, its
/// outcome, the user id, the client's network (an IPv6 client by its /64) and a masked email. Never a password, a token
/// or a key, and never a whole email address. One line each, e.g.
/// <c>security login failed user=- email=a***@example.com network=203.0.113.7 (wrong password)</c>.
/// </summary>
public sealed class SecurityLog(ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("Analytics.Security");

    /// <param name="action">What was tried: login, logout, reset-request, reset, password-change, signup, antiforgery, key-create, key-revoke, role-change, disable, enable, session-end, setup-token, email-verify, member-invite, member-remove, invitation-accept, invitation-decline.</param>
    /// <param name="outcome">succeeded, failed, throttled or refused.</param>
    /// <param name="detail">Why, in a few words without secrets; null for none.</param>
    public void Write(string action, string outcome, long? userId, string? email, string? network, string? detail = null)
    {
        var level = outcome == "succeeded" ? LogLevel.Information : LogLevel.Warning;
        _logger.Log(level, new EventId(9000, "Security"),
            "security {Action} {Outcome} user={UserId} email={Email} network={Network}{Detail}",
            action, outcome, userId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", Mask(email), network ?? "-", detail is null ? string.Empty : $" ({detail})");
    }

    /// <summary>The first character of the name part, then *** and the domain: <c>ada@example.com</c> becomes <c>a***@example.com</c>.</summary>
    public static string Mask(string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            return "-";
        }

        var at = email.LastIndexOf('@');
        return at <= 0 ? "***" : email[0] + "***" + email[at..].ToLowerInvariant();
    }
}
