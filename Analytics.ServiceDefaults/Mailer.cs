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

    /// <summary>Sends a plain-text mail (and an HTML part when given); null when the server took it, else why not.</summary>
    /// <param name="what">What the mail is, for the log (e.g. "a password reset link"); never its content.</param>
    /// <param name="messageId">The Message-ID to send (the same for a message sent again), or a new one.</param>
    /// <param name="unsubscribe">A link that stops this kind of mail without signing in (List-Unsubscribe, with RFC 8058's one-click POST).</param>
    public async Task<string?> SendAsync(string to, string subject, string text, string? html, string what, CancellationToken cancellationToken, string? messageId = null, string? unsubscribe = null)
    {
        if (!Configured)
        {
            return "no SMTP host is configured (Smtp:Host)";
        }

        var body = new BodyBuilder { TextBody = text, HtmlBody = html };
        using var message = new MimeMessage { Subject = subject, Body = body.ToMessageBody() };
        message.From.Add(MailboxAddress.Parse(options.From));
        message.To.Add(MailboxAddress.Parse(to));
        if (messageId is not null)
        {
            message.MessageId = messageId;
        }

        if (unsubscribe is not null)
        {
            message.Headers.Add("List-Unsubscribe", $"<{unsubscribe}>");
            message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }

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
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Could not mail {What} to {Email} through {Host}:{Port}.", what, SecurityLog.Mask(to), options.Host, options.Port);
            return $"{e.GetType().Name}: {e.Message}";
        }
    }
}
