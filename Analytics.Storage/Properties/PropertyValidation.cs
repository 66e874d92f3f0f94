using Analytics.Storage.Hosting;
using System.Globalization;
using NodaTime;

namespace Analytics.Storage.Properties;

/// <summary>Normalizes and checks what an owner types for a property. Errors name the field and the value.</summary>
public static class PropertyValidation
{
    private static readonly IdnMapping Idn = new();

    /// <summary>
    /// False for text no property's domain can be, such as one holding NUL, which PostgreSQL text cannot hold: a lookup
    /// of it finds nothing without a query.
    /// </summary>
    public static bool CouldBeDomain(string? text) => text is not null && !text.Contains('\0', StringComparison.Ordinal);

    /// <summary>A hostname of an allowlist, lowercased: <c>shop.example.com</c>, or <c>*.example.com</c> for its subdomains.</summary>
    public static string NormalizeHostnamePattern(string input)
    {
        var pattern = (input ?? string.Empty).Trim().TrimEnd('.').ToLowerInvariant();
        var host = pattern.StartsWith("*.", StringComparison.Ordinal) ? pattern[2..] : pattern;
        return host.Length is > 0 and <= 253 && Uri.CheckHostName(host) == UriHostNameType.Dns
            ? pattern
            : throw new FieldValidationException("allowed_hostnames", $"'{input}' is not a hostname (e.g. example.com, or *.example.com for its subdomains).");
    }

    /// <summary>"https://www.Example.com/blog" becomes "example.com"; anything that is not a host name is refused.</summary>
    public static string NormalizeDomain(string input)
    {
        var domain = (input ?? string.Empty).Trim().ToLowerInvariant();
        var scheme = domain.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            domain = domain[(scheme + 3)..];
        }

        var slash = domain.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            domain = domain[..slash];
        }

        if (domain.StartsWith("www.", StringComparison.Ordinal))
        {
            domain = domain[4..];
        }

        string ascii;
        try
        {
            ascii = domain.Length == 0 ? string.Empty : Idn.GetAscii(domain);
        }
        catch (ArgumentException)
        {
            ascii = string.Empty;
        }

        var labels = ascii.Split('.');
        var valid = ascii.Length is > 0 and <= 253
            && labels.All(l => l.Length is > 0 and <= 63 && !l.StartsWith('-') && !l.EndsWith('-') && l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
        if (!valid)
        {
            throw new FieldValidationException("domain", $"'{input}' is not a domain name (expected something like example.com).");
        }

        return domain;
    }

    /// <summary>Checks an IANA time zone id against NodaTime's tz database and returns its canonical spelling.</summary>
    public static string ValidateTimezone(string input)
    {
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull((input ?? string.Empty).Trim());
        return zone?.Id ?? throw new FieldValidationException("timezone",
            $"'{input}' is not an IANA time zone (expected an id such as Europe/Berlin, Asia/Kathmandu or UTC).");
    }

    /// <summary>A first day of the week: a day name (monday, Sunday) or its ISO number (1 = Monday ... 7 = Sunday).</summary>
    public static short ParseWeekStart(string input)
    {
        var text = (input ?? string.Empty).Trim();
        if (short.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 7)
        {
            return number;
        }

        return Enum.TryParse<IsoDayOfWeek>(text, ignoreCase: true, out var day) && day != IsoDayOfWeek.None && !char.IsAsciiDigit(text.FirstOrDefault())
            ? (short)day
            : throw new FieldValidationException("week_start", $"'{input}' is not a day of the week (monday ... sunday, or 1 ... 7).");
    }
}
