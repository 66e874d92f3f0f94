using System.Buffers.Binary;
using System.IO.Hashing;
using Analytics.Ingest.Events;

namespace Analytics.Ingest.Spool;

/// <summary>
/// A segment is a sequence of records: 4-byte little-endian length, 4-byte CRC-32 of the payload, the payload. Reading
/// stops at the first record that is incomplete or fails its CRC (a write the crash interrupted, which was never
/// acknowledged), or whose length is zero (the prepared zeros past the last record).
/// <para>
/// The first record names the format of the others: <see cref="RowBinaryMagic"/> and the RowBinaryWithNamesAndTypes
/// header of the columns (<see cref="EventRowBinary.Header"/>), each event a row in RowBinary after it. A segment can
/// thus always be inserted as it was written, whatever columns the events table gained since. Segments written before
/// that (up to 2026-12) have no such record: each record is one JSONEachRow line, and they are inserted as JSON.
/// </para>
/// </summary>
internal static class SegmentFormat
{
    public const int HeaderSize = 8;
    public const int MaxRecordSize = 1 << 20;

    /// <summary>How the first record of a RowBinary segment starts (a JSON record starts with <c>{</c>).</summary>
    private static ReadOnlySpan<byte> RowBinaryMagic => "RowBinaryWithNamesAndTypes\n"u8;

    /// <summary>The first record of every segment written now.</summary>
    public static byte[] CurrentHeader { get; } = [.. RowBinaryMagic, .. EventRowBinary.Header];

    public static void Write(Stream stream, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.HashToUInt32(payload));
        stream.Write(header);
        stream.Write(payload);
    }

    /// <summary>
    /// The events of a segment, the columns header they are encoded under (null: JSON lines), and the length of the
    /// valid prefix.
    /// </summary>
    public static (byte[]? Columns, List<byte[]> Records, long ValidLength) Read(string path)
    {
        var records = new List<byte[]>();
        var reader = new Reader(File.ReadAllBytes(path));
        while (reader.Next(out var payload))
        {
            records.Add(payload.ToArray());
        }

        return (reader.Columns.IsEmpty ? null : reader.Columns.ToArray(), records, reader.Offset);
    }

    /// <summary>Reads the whole records of a segment's bytes, in order: the columns header apart, then each event's payload.</summary>
    public ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;

        /// <summary>The columns header of the RowBinary rows (empty for JSON lines; known once <see cref="Next"/> was called).</summary>
        public ReadOnlySpan<byte> Columns { get; private set; }

        /// <summary>The length of the valid prefix read so far.</summary>
        public int Offset { get; private set; }

        /// <summary>The next event's payload; false at the end of the valid prefix.</summary>
        public bool Next(out ReadOnlySpan<byte> payload)
        {
            while (Offset + HeaderSize <= _bytes.Length)
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(_bytes[Offset..]);
                var crc = BinaryPrimitives.ReadUInt32LittleEndian(_bytes[(Offset + 4)..]);
                if (length <= 0 || length > MaxRecordSize || Offset + HeaderSize + length > _bytes.Length)
                {
                    break;
                }

                payload = _bytes.Slice(Offset + HeaderSize, length);
                if (Crc32.HashToUInt32(payload) != crc)
                {
                    break;
                }

                var start = Offset;
                Offset += HeaderSize + length;
                if (start == 0 && payload.StartsWith(RowBinaryMagic))
                {
                    Columns = _bytes.Slice(HeaderSize + RowBinaryMagic.Length, length - RowBinaryMagic.Length);
                    continue;
                }

                return true;
            }

            payload = default;
            return false;
        }
    }

    /// <summary>The columns header of a segment from its first record alone (null: JSON lines, or no whole first record).</summary>
    public static byte[]? ReadColumns(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 0);
        Span<byte> header = stackalloc byte[HeaderSize];
        if (file.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) < HeaderSize)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length <= RowBinaryMagic.Length || length > MaxRecordSize)
        {
            return null;
        }

        var payload = new byte[length];
        return file.ReadAtLeast(payload, length, throwOnEndOfStream: false) == length
            && Crc32.HashToUInt32(payload) == BinaryPrimitives.ReadUInt32LittleEndian(header[4..])
            && payload.AsSpan().StartsWith(RowBinaryMagic)
            ? payload[RowBinaryMagic.Length..]
            : null;
    }
}
