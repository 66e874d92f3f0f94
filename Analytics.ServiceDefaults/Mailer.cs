using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Analytics.ServiceDefaults;

/// <summary>
/// Sends mail by SMTP (MailKit) when a host is configured (<see cref="SmtpOptions"/>): STARTTLS required unless turned
/// off for a relay on the same machine. A failed send is logged, never thrown: the caller's work (an invitation made, a
/// reset asked for) stands, and the log says what to do.
/// </summary>
public sealed class Mailer(SmtpOptions options, ILogger<Mailer> logger)
{
    /// <summary>Whether a host is configured; without one nothing is sent and each sender logs what to do instead.</summary>
    public bool Configured => !string.IsNullOrWhiteSpace(options.Host);

    /// <summary>Sends a plain-text mail (and an HTML part when given); true when the server took it.</summary>
    /// <param name="what">What the mail is, for the log (e.g. "a password reset link"); never its content.</param>
    public async Task<bool> SendAsync(string to, string subject, string text, string? html, string what, CancellationToken cancellationToken)
    {
        if (!Configured)
        {
            return false;
        }

        var body = new BodyBuilder { TextBody = text, HtmlBody = html };
        using var message = new MimeMessage { Subject = subject, Body = body.ToMessageBody() };
        message.From.Add(MailboxAddress.Parse(options.From));
        message.To.Add(MailboxAddress.Parse(to));
        try
        {
            using var client = new SmtpClient();
            await client.ConnectAsync(options.Host!, options.Port, options.EnableSsl ? SecureSocketOptions.StartTls : SecureSocketOptions.None, cancellationToken);
            if (!string.IsNullOrEmpty(options.User))
            {
                await client.AuthenticateAsync(options.User, options.Password ?? string.Empty, cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
            logger.LogInformation("Sent {What} to {Email}.", what, SecurityLog.Mask(to));
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Could not mail {What} to {Email} through {Host}:{Port}.", what, SecurityLog.Mask(to), options.Host, options.Port);
            return false;
        }
    }
}
