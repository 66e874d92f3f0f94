using System.Net;
using System.Net.Sockets;

namespace Analytics.ServiceDefaults;

/// <summary>
/// The network a client is counted and logged by: an IPv4 address as itself, an IPv6 address by its /64 (one host
/// usually holds a whole /64 and could otherwise take a new address for every request). Never a full IPv6 address, so
/// what is logged or throttled on is not one person's address.
/// </summary>
public static class ClientNetwork
{
    public static string Of(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }
}
