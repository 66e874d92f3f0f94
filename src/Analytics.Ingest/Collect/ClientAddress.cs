using System.Net;
using Microsoft.AspNetCore.Http;

namespace Analytics.Ingest.Collect;

/// <summary>
/// The visitor's address: the connection's, unless the connection comes from a trusted proxy, in which case the
/// right-most address of X-Forwarded-For that is not itself a trusted proxy (the left part is the client's to forge).
/// </summary>
public sealed class ClientAddress(CollectOptions options)
{
    private readonly IPNetwork[] _trusted = options.TrustedProxies
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).ToArray();

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
    {
        if (IPNetwork.TryParse(text, out var network))
        {
            return network;
        }

        if (IPAddress.TryParse(text, out var single))
        {
            return new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }

        throw new Hosting.OptionsException($"Collect:TrustedProxies: '{text}' is not an IP address or CIDR range.");
    }
}
