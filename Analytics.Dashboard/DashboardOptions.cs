using System.ComponentModel.DataAnnotations;
using Analytics.Dashboard.Accounts;

namespace Analytics.Dashboard;

/// <summary>The dashboard's settings (section <c>Dashboard</c>); the public URL is <see cref="ServiceDefaults.PublicUrl"/>.</summary>
internal sealed class DashboardOptions
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

    /// <summary>
    /// The key that encrypts the dashboard's data protection keys in PostgreSQL (env <c>ANALYTICS_KEY_ENCRYPTION_KEY</c>,
    /// 32 bytes in base64). Every dashboard replica needs the same one; unset, a single node keeps one in its data directory.
    /// </summary>
    public string? KeyEncryptionKey { get; set; }

    public SessionLimits Limits => new(TimeSpan.FromDays(SessionLifetimeDays), TimeSpan.FromHours(SessionIdleHours));
}
