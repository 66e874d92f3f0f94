using System.Net;
using Microsoft.AspNetCore.Http;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;

namespace Analytics.ServiceDefaults;

/// <summary>
/// The client's address: the connection's, unless the connection comes from a trusted proxy (setting
/// <c>Collect:TrustedProxies</c>, env <c>ANALYTICS_TRUSTED_PROXIES</c>), in which case the right-most address of
/// X-Forwarded-For that is not itself a trusted proxy (the left part is the client's to forge). Only a trusted proxy's
/// X-Forwarded-Proto is believed too (<see cref="IsTrustedProxy"/>).
/// </summary>
public sealed class ClientAddress
{
    private const string ConfigKey = "Collect:TrustedProxies";

    /// <summary>By default only this machine: a proxy on it (nginx, Caddy) is believed, nothing else.</summary>
    private const string DefaultTrustedProxies = "127.0.0.0/8,::1/128";

    private readonly IPNetwork[] _trusted;

    private ClientAddress(string trustedProxies)
        => _trusted = trustedProxies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).ToArray();

    /// <summary>Reads the setting; a bad entry fails the start with a message naming it.</summary>
    public static ClientAddress FromConfiguration(Microsoft.Extensions.Configuration.IConfiguration configuration)
        => new(configuration[ConfigKey] ?? DefaultTrustedProxies);

    /// <summary>Whether the connection comes from a trusted proxy, whose forwarded headers are believed.</summary>
    public bool IsTrustedProxy(HttpContext context) => Normalize(context.Connection.RemoteIpAddress) is { } remote && IsTrusted(remote);

    /// <summary>The client's network for throttling and logs: <see cref="ClientNetwork.Of"/> of <see cref="Resolve"/>.</summary>
    public string Network(HttpContext context) => ClientNetwork.Of(Resolve(context));

    public IPAddress? Resolve(HttpContext context)
    {
        var remote = Normalize(context.Connection.RemoteIpAddress);
        if (remote is null || !IsTrusted(remote))
        {
            return remote;
        }

        var forwarded = context.Request.Headers["X-Forwarded-For"].ToString();
        if (string.IsNullOrWhiteSpace(forwarded))
        {
            return remote;
        }

        var hops = forwarded.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = hops.Length - 1; i >= 0; i--)
        {
            if (!IPAddress.TryParse(hops[i], out var hop))
            {
                return remote; // a garbled header is not evidence of anything
            }

            hop = Normalize(hop)!;
            if (!IsTrusted(hop) || i == 0)
            {
                return hop;
            }
        }

        return remote;
    }

    private bool IsTrusted(IPAddress address) => _trusted.Any(n => n.Contains(address));

    private static IPAddress? Normalize(IPAddress? address) => address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;

    private static IPNetwork Parse(string text)
        => Shields.TryParseRange(text, out var network) ? network : throw new OptionsException($"{ConfigKey}: '{text}' is not an IP address or CIDR range.");
}
