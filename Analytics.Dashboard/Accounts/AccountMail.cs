using Analytics.ServiceDefaults;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Analytics.Dashboard.Accounts;

/// <summary>
/// Sends a password reset link by SMTP (MailKit) when a host is configured. Without one no link leaves the server: the
/// log says a reset was asked for, and the operator makes a link with <c>analytics users reset-link EMAIL</c>.
/// </summary>
internal sealed class AccountMail(IOptions<SmtpOptions> options, ILogger<AccountMail> logger)
{
    public async Task SendResetLinkAsync(User user, string link, CancellationToken cancellationToken)
    {
        var smtp = options.Value;
        if (string.IsNullOrWhiteSpace(smtp.Host))
        {
            logger.LogWarning("A password reset was asked for user {UserId} ({Email}), but no SMTP host is configured: give them a link made with `analytics users reset-link EMAIL`.", user.Id, SecurityLog.Mask(user.Email));
            return;
        }

        using var message = new MimeMessage
        {
            Subject = "Reset your Analytics password",
            Body = new TextPart("plain")
            {
                Text = $"Someone (hopefully you) asked to reset the password of {user.Email}.\n\nSet a new one here within the hour:\n{link}\n\nIf it was not you, ignore this mail; nothing changes.",
            },
        };
        message.From.Add(MailboxAddress.Parse(smtp.From));
        message.To.Add(MailboxAddress.Parse(user.Email));
        try
        {
            using var client = new SmtpClient();
            // EnableSsl: STARTTLS, required (a server that does not offer it is refused); off only for a relay on this machine.
            await client.ConnectAsync(smtp.Host, smtp.Port, smtp.EnableSsl ? SecureSocketOptions.StartTls : SecureSocketOptions.None, cancellationToken);
            if (!string.IsNullOrEmpty(smtp.User))
            {
                await client.AuthenticateAsync(smtp.User, smtp.Password ?? string.Empty, cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
            logger.LogInformation("Sent a password reset link to user {UserId} ({Email}).", user.Id, SecurityLog.Mask(user.Email));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Could not mail the password reset link to user {UserId} ({Email}) through {Host}:{Port}.", user.Id, SecurityLog.Mask(user.Email), smtp.Host, smtp.Port);
        }
    }
}
