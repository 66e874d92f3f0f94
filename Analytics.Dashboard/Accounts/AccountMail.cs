using System.Net;
using System.Net.Mail;
using Analytics.ServiceDefaults;
using Analytics.Dashboard.Accounts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Analytics.Dashboard.Accounts;

/// <summary>
/// Sends a password reset link by SMTP when a host is configured. Without one no link leaves the server: the log says a
/// reset was asked for, and the operator makes a link with <c>analytics users reset-link EMAIL</c>.
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
            logger.LogInformation("Sent a password reset link to user {UserId} ({Email}).", user.Id, SecurityLog.Mask(user.Email));
        }
        catch (SmtpException e)
        {
            logger.LogError(e, "Could not mail the password reset link to user {UserId} ({Email}) through {Host}:{Port}.", user.Id, SecurityLog.Mask(user.Email), smtp.Host, smtp.Port);
        }
    }
}
