using Microsoft.Extensions.Configuration;
using Analytics.Storage.Hosting;

namespace Analytics.ServiceDefaults;

/// <summary>
/// The address users reach the server at (setting <c>Dashboard:PublicUrl</c>, env <c>ANALYTICS_PUBLIC_URL</c>; by default
/// the first <c>--urls</c> address). Every absolute link the server hands out (password reset and setup links, the
/// tracking snippet) is built from it, never from a request's Host header, and requests for any other host are refused
/// (loopback names stay allowed for health checks on the machine itself). When it is https, cookies are Secure with the
/// <c>__Host-</c> prefix and every response carries HSTS.
/// </summary>
public sealed class PublicUrl
{
    public const string ConfigKey = "Dashboard:PublicUrl";

    /// <summary>Hosts that are always allowed: the machine itself, for health checks and the command line.</summary>
    public static readonly IReadOnlyList<string> LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    private PublicUrl(Uri origin) => Origin = origin;

    /// <summary>Scheme, host and port, ending in "/".</summary>
    public Uri Origin { get; }

    public bool IsHttps => Origin.Scheme == Uri.UriSchemeHttps;

    /// <summary>The host a request must name (with loopback): <c>example.com</c>, <c>[2001:db8::1]</c> (Uri keeps the brackets).</summary>
    public string Host => Origin.Host;

    /// <summary>Whether a request's Host header names this server (its public host or a loopback name; any port).</summary>
    public bool Allows(Microsoft.AspNetCore.Http.HostString host)
        => host.HasValue && (string.Equals(host.Host, Host, StringComparison.OrdinalIgnoreCase) || LoopbackHosts.Contains(host.Host, StringComparer.OrdinalIgnoreCase));

    /// <summary>An absolute link to a path of this server, e.g. <c>/reset-password?token=...</c>.</summary>
    public string Link(string pathAndQuery) => new Uri(Origin, pathAndQuery.TrimStart('/')).ToString();

    /// <summary>
    /// The configured public URL, else the first of <paramref name="listenUrls"/> when that names a host. Null when
    /// neither does (listening on every address with no public URL set), which a role that hands out links refuses.
    /// </summary>
    public static PublicUrl? Resolve(IConfiguration configuration, string listenUrls)
    {
        if (configuration[ConfigKey] is { Length: > 0 } configured)
        {
            if (!Uri.TryCreate(configured.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            {
                throw new OptionsException($"{ConfigKey} (ANALYTICS_PUBLIC_URL): '{configured}' is not an http(s) address without a path, e.g. https://analytics.example.com.");
            }

            return new PublicUrl(new Uri(uri.GetLeftPart(UriPartial.Authority) + "/"));
        }

        var first = listenUrls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? string.Empty;
        return Uri.TryCreate(first, UriKind.Absolute, out var listen) && listen.Scheme is "http" or "https"
            && listen.Host is not ("0.0.0.0" or "[::]" or "::" or "*" or "+") && !listen.Host.Contains('*', StringComparison.Ordinal)
            ? new PublicUrl(new Uri(listen.GetLeftPart(UriPartial.Authority) + "/"))
            : null;
    }

    /// <summary>The start-up error of a role that needs a public URL and has none.</summary>
    public static OptionsException Missing(string listenUrls)
        => new($"{ConfigKey} (ANALYTICS_PUBLIC_URL) must be set when listening on every address ({listenUrls}): it is the address users reach, e.g. https://analytics.example.com, used for links in mail and to refuse requests for other hosts.");
}
