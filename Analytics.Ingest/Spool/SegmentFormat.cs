using System.Buffers.Binary;
using System.IO.Hashing;

namespace Analytics.Ingest.Spool;

/// <summary>
/// A segment is a sequence of records: 4-byte little-endian length, 4-byte CRC-32 of the payload, the payload (one
/// JSONEachRow line of the events table). Reading stops at the first record that is incomplete or fails its CRC:
/// that can only be a write the crash interrupted, which was never acknowledged.
/// </summary>
internal static class SegmentFormat
{
    public const int HeaderSize = 8;
    public const int MaxRecordSize = 1 << 20;

    public static void Write(Stream stream, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.HashToUInt32(payload));
        stream.Write(header);
        stream.Write(payload);
    }

    /// <summary>The payloads of the whole records in a segment, and the length of that valid prefix.</summary>
    public static (List<byte[]> Records, long ValidLength) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var records = new List<byte[]>();
        var offset = 0;
        while (offset + HeaderSize <= bytes.Length)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4));
            if (length <= 0 || length > MaxRecordSize || offset + HeaderSize + length > bytes.Length)
            {
                break;
            }

            var payload = bytes.AsSpan(offset + HeaderSize, length);
            if (Crc32.HashToUInt32(payload) != crc)
            {
                break;
            }

            records.Add(payload.ToArray());
            offset += HeaderSize + length;
        }

        return (records, offset);
    }
}
