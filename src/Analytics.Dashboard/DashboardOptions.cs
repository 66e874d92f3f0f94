namespace Analytics.Dashboard;

/// <summary>
/// The dashboard's settings (section <c>Dashboard</c>). <see cref="OpenSignup"/> (env <c>ANALYTICS_OPEN_SIGNUP</c>):
/// whether anyone may sign up; the first account can always be made, and becomes the admin.
/// </summary>
public sealed class DashboardOptions
{
    public bool OpenSignup { get; set; } = true;
}

/// <summary>
/// Outgoing mail for password resets (section <c>Smtp</c>; env <c>ANALYTICS_SMTP_HOST</c>, <c>_PORT</c>, <c>_USER</c>,
/// <c>_PASSWORD</c>, <c>_FROM</c>). Without a host, reset links are written to the server's log instead.
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
