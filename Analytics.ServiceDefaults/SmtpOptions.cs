using System.ComponentModel.DataAnnotations;

namespace Analytics.ServiceDefaults;

/// <summary>
/// Outgoing mail (<see cref="Mailer"/>: password resets, address checks, invitations; section <c>Smtp</c>; env
/// <c>ANALYTICS_SMTP_HOST</c>, <c>_PORT</c>, <c>_USER</c>, <c>_PASSWORD</c>, <c>_FROM</c>). Without a host, no mail is
/// sent, and each sender says in the log what the operator does instead.
/// </summary>
public sealed class SmtpOptions
{
    public const string Section = "Smtp";

    public string? Host { get; set; }

    [Range(1, 65535, ErrorMessage = "Smtp:Port must be between 1 and 65535.")]
    public int Port { get; set; } = 587;

    public string? User { get; set; }

    public string? Password { get; set; }

    public string From { get; set; } = "analytics@localhost";

    /// <summary>STARTTLS (on by default; turn off only for a relay on the same machine).</summary>
    public bool EnableSsl { get; set; } = true;
}
