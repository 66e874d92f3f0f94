using System.Net.Mail;

namespace Analytics.Storage.Hosting;

/// <summary>The one check of an email address typed by someone: accounts, invitations, reports and alerts.</summary>
public static class EmailAddress
{
    /// <summary>The address trimmed, when it is one plain address (no display name, at most 320 characters); else an error naming <paramref name="field"/>.</summary>
    public static string Check(string? email, string field)
    {
        var address = (email ?? string.Empty).Trim();
        return MailAddress.TryCreate(address, out var parsed) && parsed.Address == address && address.Length <= 320
            ? address
            : throw new FieldValidationException(field, $"'{email}' is not an email address.");
    }
}
