using System.Net;
using System.Net.Mail;
using Analytics.Users;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Analytics.Dashboard.Accounts;

/// <summary>Sends a password reset link by SMTP when a host is configured; otherwise writes it to the log for the operator.</summary>
public sealed class AccountMail(IOptions<SmtpOptions> options, ILogger<AccountMail> logger)
{
    public async Task SendResetLinkAsync(User user, string link, CancellationToken cancellationToken)
    {
        var smtp = options.Value;
        if (string.IsNullOrWhiteSpace(smtp.Host))
        {
            logger.LogWarning("Password reset for {Email} (no SMTP host is configured, so the link is logged instead of mailed): {Link}", user.Email, link);
            return;
        }

        using var client = new SmtpClient(smtp.Host, smtp.Port) { EnableSsl = smtp.EnableSsl };
        if (!string.IsNullOrEmpty(smtp.User))
        {
            client.Credentials = new NetworkCredential(smtp.User, smtp.Password);
        }

        using var message = new MailMessage(smtp.From, user.Email)
        {
            Subject = "Reset your Analytics password",
            Body = $"Someone (hopefully you) asked to reset the password of {user.Email}.\n\nSet a new one here within the hour:\n{link}\n\nIf it was not you, ignore this mail; nothing changes.",
        };
        try
        {
            await client.SendMailAsync(message, cancellationToken);
            logger.LogInformation("Sent a password reset link to {Email}.", user.Email);
        }
        catch (SmtpException e)
        {
            logger.LogError(e, "Could not mail the password reset link to {Email} through {Host}:{Port}.", user.Email, smtp.Host, smtp.Port);
        }
    }
}
