using Analytics.ServiceDefaults;
using Microsoft.Extensions.Logging;

namespace Analytics.Dashboard.Accounts;

/// <summary>
/// The accounts' mail through <see cref="Mailer"/>: password reset links and address checks (invitations:
/// <see cref="InvitationMail"/>). Without SMTP no reset link leaves the server (the operator makes one with
/// <c>analytics users reset-link EMAIL</c>); an address check's link goes to the log for the operator to hand over.
/// </summary>
public sealed class AccountMail(Mailer mailer, UserStore users, PublicUrl publicUrl, ILogger<AccountMail> logger)
{
    public async Task SendResetLinkAsync(User user, string link, CancellationToken cancellationToken)
    {
        if (!mailer.Configured)
        {
            logger.LogWarning("A password reset was asked for user {UserId} ({Email}), but no SMTP host is configured: give them a link made with `analytics users reset-link EMAIL`.", user.Id, SecurityLog.Mask(user.Email));
            return;
        }

        await mailer.SendAsync(user.Email, "Reset your Analytics password",
            $"Someone (hopefully you) asked to reset the password of {user.Email}.\n\nSet a new one here within the hour:\n{link}\n\nIf it was not you, ignore this mail; nothing changes.",
            null, "a password reset link", cancellationToken);
    }

    /// <summary>
    /// Mails the link that confirms the account's email address (needed before it accepts an invitation); opening it
    /// signed in to the account confirms the address and goes on to <paramref name="then"/> (a local path) if given.
    /// </summary>
    public async Task SendVerificationLinkAsync(long userId, string? then, CancellationToken cancellationToken)
    {
        var (email, token) = await users.CreateVerificationTokenAsync(userId, cancellationToken);
        var link = publicUrl.Link("/verify-email?token=" + Uri.EscapeDataString(token) + (then is null ? string.Empty : "&then=" + Uri.EscapeDataString(then)));
        if (!mailer.Configured)
        {
            logger.LogWarning("No SMTP host is configured: to confirm the address {Email}, its account's holder opens {Link}", SecurityLog.Mask(email), link);
            return;
        }

        await mailer.SendAsync(email, "Confirm your email address",
            $"Confirm that {email} is yours by opening this link within a day:\n{link}\n\nIf you did not ask for it, ignore this mail.",
            null, "an address check link", cancellationToken);
    }
}
