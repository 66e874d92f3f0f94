using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Analytics.Storage.Hosting;

namespace Analytics.Storage.Properties;

/// <summary>
/// A property's shields: the traffic its owner keeps out (their own, their office's, a monitoring page, a country they
/// do not serve). Collect drops an event whose sending address is in <see cref="Addresses"/> (single IPv4 or IPv6
/// addresses and CIDR ranges), whose page matches one of <see cref="Pages"/> (Plausible's wildcards, as goals have
/// them: <c>*</c> within a path segment, <c>**</c> across segments) or whose country is one of
/// <see cref="Countries"/>, and counts it under <c>excluded-ip</c>, <c>excluded-page</c> or <c>excluded-country</c>.
/// The rules are the owner's configuration; a visitor's address is still never stored, not even when it matched.
/// </summary>
public sealed class Shields
{
    /// <summary>The most rules of one kind a property can have (there are 249 ISO countries).</summary>
    public const int MaxRules = 250;

    private readonly IPNetwork[] _networks;
    /// <summary>Compiled when a page is first tested: a property is read for many reasons besides collect.</summary>
    private readonly Lazy<Regex[]> _pages;
    private readonly HashSet<string> _countries;

    private Shields(string[] addresses, string[] pages, string[] countries)
    {
        (Addresses, Pages, Countries) = (addresses, pages, countries);
        _networks = [.. addresses.Select(a => TryParseRange(a, out var network) ? network : default)];
        _pages = new(() => [.. pages.Select(p => new Regex(PagePattern.Regex(p), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking))]);
        _countries = new HashSet<string>(countries, StringComparer.OrdinalIgnoreCase);
    }

    public static Shields None { get; } = new([], [], []);

    public string[] Addresses { get; }

    public string[] Pages { get; }

    public string[] Countries { get; }

    public bool IsEmpty => Addresses.Length == 0 && Pages.Length == 0 && Countries.Length == 0;

    /// <summary>The rules as stored (each list already normalized by <see cref="Normalize"/>).</summary>
    public static Shields Of(string[] addresses, string[] pages, string[] countries)
        => addresses.Length == 0 && pages.Length == 0 && countries.Length == 0 ? None : new(addresses, pages, countries);

    /// <summary>The address rule that covers <paramref name="address"/>, or null.</summary>
    public string? Address(IPAddress? address)
    {
        if (address is null || _networks.Length == 0)
        {
            return null;
        }

        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        for (var i = 0; i < _networks.Length; i++)
        {
            if (_networks[i].Contains(plain))
            {
                return Addresses[i];
            }
        }

        return null;
    }

    /// <summary>The page rule that matches <paramref name="pathname"/>, or null.</summary>
    public string? Page(string pathname)
    {
        if (Pages.Length == 0)
        {
            return null;
        }

        var compiled = _pages.Value;
        for (var i = 0; i < compiled.Length; i++)
        {
            if (compiled[i].IsMatch(pathname))
            {
                return Pages[i];
            }
        }

        return null;
    }

    /// <summary>The country rule for <paramref name="countryCode"/> (ISO 3166-1 alpha-2), or null (an unknown country is never excluded).</summary>
    public string? Country(string countryCode) => countryCode.Length == 2 && _countries.Contains(countryCode) ? countryCode.ToUpperInvariant() : null;

    /// <summary>
    /// The owner's lists, checked and in canonical form: addresses as <c>203.0.113.7</c> or <c>203.0.113.0/24</c>
    /// (<c>2001:db8::/48</c>), pages as patterns starting with <c>/</c>, countries as upper-case ISO codes; duplicates
    /// go. A bad entry throws <see cref="FieldValidationException"/> naming the field and the entry.
    /// </summary>
    public static (string[] Addresses, string[] Pages, string[] Countries) Normalize(IEnumerable<string>? addresses, IEnumerable<string>? pages, IEnumerable<string>? countries)
        => (Check("excluded_ips", addresses, NormalizeAddress), Check("excluded_pages", pages, NormalizePage), Check("excluded_countries", countries, NormalizeCountry));

    private static string[] Check(string field, IEnumerable<string>? entries, Func<string, string> normalize)
    {
        var list = (entries ?? []).Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => normalize(e.Trim()))
            .Distinct(StringComparer.Ordinal).ToArray();
        return list.Length <= MaxRules ? list : throw new FieldValidationException(field, $"at most {MaxRules} entries ({list.Length} given).");
    }

    private static string NormalizeAddress(string text)
    {
        if (IPAddress.TryParse(text, out var single) && !text.Contains('/', StringComparison.Ordinal) && Complete(text, single))
        {
            return (single.IsIPv4MappedToIPv6 ? single.MapToIPv4() : single).ToString();
        }

        if (text.Contains('/', StringComparison.Ordinal) && TryParseRange(text, out var network) && Complete(text[..text.IndexOf('/', StringComparison.Ordinal)], network.BaseAddress))
        {
            return network.ToString();
        }

        throw new FieldValidationException("excluded_ips", $"'{text}' is not an IP address or CIDR range (e.g. 203.0.113.7, 203.0.113.0/24 or 2001:db8::/48).");
    }

    private static string NormalizePage(string text)
        => text.StartsWith('/') && text.Length <= 2_000 && !text.Any(char.IsControl)
            ? text
            : throw new FieldValidationException("excluded_pages", $"'{text}' is not a page pattern: it starts with '/' (wildcards: * within a segment, ** across), at most 2,000 characters.");

    private static string NormalizeCountry(string text)
        => text.Length == 2 && char.IsAsciiLetter(text[0]) && char.IsAsciiLetter(text[1])
            ? text.ToUpperInvariant()
            : throw new FieldValidationException("excluded_countries", $"'{text}' is not a country code (two letters, ISO 3166-1, e.g. DE or US).");

    /// <summary>
    /// An address or a CIDR range (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>; a single address is its own range; bits
    /// after the prefix are dropped: <c>203.0.113.7/24</c> is <c>203.0.113.0/24</c>), as every setting that names
    /// client addresses reads one.
    /// </summary>
    public static bool TryParseRange(string text, out IPNetwork network)
    {
        if (IPNetwork.TryParse(text, out network))
        {
            network = network.BaseAddress.IsIPv4MappedToIPv6 ? new IPNetwork(network.BaseAddress.MapToIPv4(), Math.Max(0, network.PrefixLength - 96)) : network;
            return true;
        }

        if (IPAddress.TryParse(text, out var single))
        {
            single = single.IsIPv4MappedToIPv6 ? single.MapToIPv4() : single;
            network = new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }

    /// <summary>Whether an IPv4 address was written with its four parts (IPAddress.TryParse also takes "10" or "10.1").</summary>
    private static bool Complete(string text, IPAddress address)
        => address.AddressFamily != AddressFamily.InterNetwork || text.Count(c => c == '.') == 3;
}
