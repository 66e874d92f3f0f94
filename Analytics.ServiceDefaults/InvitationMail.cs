using Analytics.Storage.Properties;
using Microsoft.Extensions.Logging;

namespace Analytics.ServiceDefaults;

/// <summary>
/// Mails an invitation to a property (from the dashboard or Plausible's guests API). Without SMTP the link goes to the
/// log for the operator to hand over: it works only for the account holding the invited, confirmed address.
/// </summary>
public sealed class InvitationMail(Mailer mailer, ILogger<InvitationMail> logger)
{
    /// <summary>The invitation page of a token, relative to the server's root.</summary>
    public static string Path(string token) => "/invitation?token=" + Uri.EscapeDataString(token);

    public async Task SendAsync(Invitation invitation, string domain, string? inviter, string link, CancellationToken cancellationToken)
    {
        var role = invitation.Role.Name();
        if (!mailer.Configured)
        {
            logger.LogWarning("No SMTP host is configured: give {Email} this invitation to {Domain} as {Role}: {Link}", SecurityLog.Mask(invitation.Email), domain, role, link);
            return;
        }

        var what = invitation.Role == PropertyRole.Owner ? $"to take over {domain} as its owner" : $"to {domain} as {invitation.Role.WithArticle()}";
        await mailer.SendAsync(invitation.Email, $"You've been invited to {domain}",
            $"{inviter ?? "The server's operator"} invited you {what} on Analytics.\n\nAccept or decline here by {invitation.ExpiresAt:yyyy-MM-dd} (UTC):\n{link}\n\n" +
            $"You answer signed in with this address ({invitation.Email}), once you have confirmed it is yours. If you did not expect this, ignore the mail.",
            null, $"an invitation to {domain}", cancellationToken);
    }
}
