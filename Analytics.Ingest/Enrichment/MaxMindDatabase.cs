using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text;

namespace Analytics.Ingest.Enrichment;

/// <summary>
/// A reader of the public MaxMind DB format (.mmdb): a binary search tree over IP address bits whose leaves point into
/// a data section of typed values. The whole file is read into memory and checked at load, so a corrupt database fails
/// at start with a message, never in the middle of a request. Lookups are lock-free and allocate only their result.
/// </summary>
public sealed class MaxMindDatabase
{
    private static readonly byte[] MetadataMarker = [0xAB, 0xCD, 0xEF, .. "MaxMind.com"u8];

    private readonly byte[] _data;
    private readonly int _nodeCount;
    private readonly int _recordSize;
    private readonly int _nodeBytes;
    private readonly int _dataStart;
    private readonly int _ipv4Start;

    private MaxMindDatabase(byte[] data, string source)
    {
        _data = data;
        var marker = data.AsSpan().LastIndexOf(MetadataMarker);
        if (marker < 0)
        {
            throw Corrupt(source, "no metadata section (is it a MaxMind DB .mmdb file?)");
        }

        var metadataStart = marker + MetadataMarker.Length;
        try
        {
            if (new Decoder(data, metadataStart).Decode(metadataStart) is not Dictionary<string, object?> metadata)
            {
                throw Corrupt(source, "its metadata is not a map");
            }

            Metadata = metadata;
            _nodeCount = checked((int)Convert.ToUInt64(metadata["node_count"], System.Globalization.CultureInfo.InvariantCulture));
            _recordSize = Convert.ToInt32(metadata["record_size"], System.Globalization.CultureInfo.InvariantCulture);
            IpVersion = Convert.ToInt32(metadata["ip_version"], System.Globalization.CultureInfo.InvariantCulture);
            DatabaseType = metadata.GetValueOrDefault("database_type") as string ?? string.Empty;
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidCastException or OverflowException or IndexOutOfRangeException or ArgumentOutOfRangeException or FormatException)
        {
            throw Corrupt(source, $"its metadata is incomplete ({e.Message})");
        }

        if (_recordSize is not (24 or 28 or 32) || IpVersion is not (4 or 6))
        {
            throw Corrupt(source, $"record size {_recordSize} / IP version {IpVersion} is not one the format defines");
        }

        _nodeBytes = _recordSize * 2 / 8;
        var treeSize = (long)_nodeCount * _nodeBytes;
        _dataStart = checked((int)treeSize + 16); // the tree, then 16 zero bytes, then the data section
        if (_dataStart > marker)
        {
            throw Corrupt(source, "its search tree is larger than the file");
        }

        // Every record must point at a node, at "no data", or into the data section: checked once, so a truncated or
        // damaged tree fails here and not in a request.
        var dataSize = marker - _dataStart;
        for (var node = 0; node < _nodeCount; node++)
        {
            for (var side = 0; side < 2; side++)
            {
                var record = ReadRecord(node, side);
                if (record > _nodeCount && (long)record - _nodeCount - 16 >= dataSize)
                {
                    throw Corrupt(source, $"node {node} points past the end of the data section");
                }
            }
        }

        _ipv4Start = 0;
        if (IpVersion == 6)
        {
            // IPv4 addresses live under ::/96 in an IPv6 tree.
            for (var i = 0; i < 96 && _ipv4Start < _nodeCount; i++)
            {
                _ipv4Start = ReadRecord(_ipv4Start, 0);
            }
        }
    }

    public IReadOnlyDictionary<string, object?> Metadata { get; } = new Dictionary<string, object?>();

    public int IpVersion { get; }

    public string DatabaseType { get; }

    public static MaxMindDatabase Open(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EnrichmentDataException($"The GeoIP database '{path}' cannot be read: {e.Message}");
        }

        return new MaxMindDatabase(bytes, path);
    }

    /// <summary>The record for an address (maps, lists, strings, numbers as the file holds them), or null when none.</summary>
    public object? Lookup(IPAddress address) => FindRecord(address) is { } offset ? Decode(offset) : null;

    /// <summary>
    /// Where the address's record starts in the data section, or null when the database has none. Many networks share
    /// one record, so callers that read the same fields again and again can keep their result per offset.
    /// </summary>
    public int? FindRecord(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var length))
        {
            return null;
        }

        bytes = bytes[..length];
        var bitCount = length * 8;
        int node;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            node = _ipv4Start;
        }
        else if (IpVersion == 4)
        {
            return null; // an IPv4-only database knows nothing of IPv6 addresses
        }
        else
        {
            node = 0;
        }

        for (var bit = 0; bit < bitCount && node < _nodeCount; bit++)
        {
            node = ReadRecord(node, (bytes[bit >> 3] >> (7 - (bit & 7))) & 1);
        }

        if (node == _nodeCount)
        {
            return null; // the empty record: no data for this network
        }

        if (node < _nodeCount)
        {
            return null; // ran out of address bits inside the tree: malformed, treat as unknown
        }

        return _dataStart + (node - _nodeCount - 16);
    }

    /// <summary>The record at an offset <see cref="FindRecord"/> returned; null when that record is damaged.</summary>
    public object? Decode(int offset)
    {
        try
        {
            return new Decoder(_data, _dataStart).Decode(offset);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or ArgumentException or EnrichmentDataException)
        {
            return null; // one damaged record reads as unknown; collect carries on
        }
    }

    private int ReadRecord(int node, int side)
    {
        var at = node * _nodeBytes;
        var b = _data.AsSpan(at, _nodeBytes);
        return _recordSize switch
        {
            24 => side == 0 ? (b[0] << 16) | (b[1] << 8) | b[2] : (b[3] << 16) | (b[4] << 8) | b[5],
            28 => side == 0
                ? ((b[3] & 0xF0) << 20) | (b[0] << 16) | (b[1] << 8) | b[2]
                : ((b[3] & 0x0F) << 24) | (b[4] << 16) | (b[5] << 8) | b[6],
            _ => (int)Math.Min(int.MaxValue, side == 0 ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b[4..])),
        };
    }

    private static EnrichmentDataException Corrupt(string source, string why)
        => new($"The GeoIP database '{source}' is not a valid MaxMind DB file: {why}.");

    /// <summary>Decodes the data section's typed values (format spec, "Output Data Section").</summary>
    private readonly struct Decoder(byte[] data, int pointerBase)
    {
        public object? Decode(int offset) => Decode(ref offset, depth: 0);

        private object? Decode(ref int offset, int depth)
        {
            if (depth > 64)
            {
                throw new EnrichmentDataException("A GeoIP record nests deeper than 64 levels.");
            }

            var control = data[offset++];
            var type = control >> 5;
            if (type == 1)
            {
                var target = Pointer(control, ref offset);
                return Decode(ref target, depth + 1); // a pointer's target never changes where the caller continues
            }

            if (type == 0)
            {
                type = 7 + data[offset++];
            }

            var size = Size(control, ref offset);
            switch (type)
            {
                case 2:
                    var text = Encoding.UTF8.GetString(data, offset, size);
                    offset += size;
                    return text;
                case 3:
                    var d = BinaryPrimitives.ReadDoubleBigEndian(data.AsSpan(offset, 8));
                    offset += 8;
                    return d;
                case 4:
                    var bytes = data.AsSpan(offset, size).ToArray();
                    offset += size;
                    return bytes;
                case 5:
                case 6:
                case 9:
                    return SmallUnsignedInteger(ref offset, size);
                case 10:
                    return UnsignedInteger(ref offset, size);
                case 8:
                    return (int)(uint)SmallUnsignedInteger(ref offset, size);
                case 7:
                    var map = new Dictionary<string, object?>(size);
                    for (var i = 0; i < size; i++)
                    {
                        var key = Decode(ref offset, depth + 1) as string ?? throw new EnrichmentDataException("A GeoIP map key is not a string.");
                        map[key] = Decode(ref offset, depth + 1);
                    }

                    return map;
                case 11:
                    var list = new List<object?>(size);
                    for (var i = 0; i < size; i++)
                    {
                        list.Add(Decode(ref offset, depth + 1));
                    }

                    return list;
                case 14:
                    return size != 0;
                case 15:
                    var f = BinaryPrimitives.ReadSingleBigEndian(data.AsSpan(offset, 4));
                    offset += 4;
                    return f;
                default:
                    throw new EnrichmentDataException($"A GeoIP record holds data type {type}, which the format does not define.");
            }
        }

        private int Size(byte control, ref int offset)
        {
            var size = control & 0x1F;
            switch (size)
            {
                case < 29:
                    return size;
                case 29:
                    return 29 + data[offset++];
                case 30:
                    size = 285 + ((data[offset] << 8) | data[offset + 1]);
                    offset += 2;
                    return size;
                default:
                    size = 65821 + ((data[offset] << 16) | (data[offset + 1] << 8) | data[offset + 2]);
                    offset += 3;
                    return size;
            }
        }

        private int Pointer(byte control, ref int offset)
        {
            var high = control & 0x07;
            int value;
            switch ((control >> 3) & 0x03)
            {
                case 0:
                    value = (high << 8) | data[offset];
                    offset += 1;
                    break;
                case 1:
                    value = ((high << 16) | (data[offset] << 8) | data[offset + 1]) + 2048;
                    offset += 2;
                    break;
                case 2:
                    value = ((high << 24) | (data[offset] << 16) | (data[offset + 1] << 8) | data[offset + 2]) + 526336;
                    offset += 3;
                    break;
                default:
                    value = (int)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(offset, 4));
                    offset += 4;
                    break;
            }

            return pointerBase + value;
        }

        /// <summary>uint16, uint32, int32 and uint64: at most 8 big-endian bytes.</summary>
        private ulong SmallUnsignedInteger(ref int offset, int size)
        {
            if (size > 8)
            {
                throw new EnrichmentDataException($"A GeoIP integer is {size} bytes long.");
            }

            ulong value = 0;
            for (var i = 0; i < size; i++)
            {
                value = (value << 8) | data[offset + i];
            }

            offset += size;
            return value;
        }

        private BigInteger UnsignedInteger(ref int offset, int size)
        {
            if (size > 16)
            {
                throw new EnrichmentDataException($"A GeoIP integer is {size} bytes long.");
            }

            var value = new BigInteger(data.AsSpan(offset, size), isUnsigned: true, isBigEndian: true);
            offset += size;
            return value;
        }
    }
}
