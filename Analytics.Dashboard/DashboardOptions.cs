using System.ComponentModel.DataAnnotations;
using Analytics.Dashboard.Accounts;

namespace Analytics.Dashboard;

/// <summary>The dashboard's settings (section <c>Dashboard</c>); the public URL is <see cref="ServiceDefaults.PublicUrl"/>.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>
    /// Whether anyone may sign up (env <c>ANALYTICS_OPEN_SIGNUP</c>). With it on, the first account becomes the admin; with
    /// it off, the first admin comes from <c>analytics users add EMAIL --admin</c> or the setup link printed at the start.
    /// </summary>
    public bool OpenSignup { get; set; } = true;

    /// <summary>How long a sign-in lasts at most, in days.</summary>
    [Range(1, 365, ErrorMessage = "Dashboard:SessionLifetimeDays must be between 1 and 365.")]
    public int SessionLifetimeDays { get; set; } = 14;

    /// <summary>How long a sign-in lasts without a request, in hours.</summary>
    [Range(1, 24 * 365, ErrorMessage = "Dashboard:SessionIdleHours must be between 1 and 8760.")]
    public int SessionIdleHours { get; set; } = 24;

    public SessionLimits Limits => new(TimeSpan.FromDays(SessionLifetimeDays), TimeSpan.FromHours(SessionIdleHours));
}

/// <summary>
/// Outgoing mail for password resets (section <c>Smtp</c>; env <c>ANALYTICS_SMTP_HOST</c>, <c>_PORT</c>, <c>_USER</c>,
/// <c>_PASSWORD</c>, <c>_FROM</c>). Without a host, no mail is sent: the log says a reset was asked for, and the
/// operator makes a link with <c>analytics users reset-link EMAIL</c>.
/// </summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    public string? User { get; set; }

    public string? Password { get; set; }

    public string From { get; set; } = "analytics@localhost";

    /// <summary>STARTTLS (on by default; turn off only for a relay on the same machine).</summary>
    public bool EnableSsl { get; set; } = true;
}
