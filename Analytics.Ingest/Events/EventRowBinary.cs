using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Catalog;

namespace Analytics.Ingest.Events;

/// <summary>
/// Encodes events in ClickHouse's RowBinaryWithNamesAndTypes format, for the spool, which appends one event at a time:
/// a header naming each column and its type, then the values in binary. Measured on 1M generated events into the bare
/// events table: 3.6 s of ClickHouse time against 8.4 s for JSONEachRow, and 0.65 s to encode against 3 s. Bulk loads
/// write columns instead (<see cref="EventNative"/>), which ClickHouse reads faster still.
/// </summary>
public static class EventRowBinary
{
    public const string Format = "RowBinaryWithNamesAndTypes";

    private static readonly DateTime Epoch = DateTime.UnixEpoch;

    /// <summary>The stored columns and their types (ClickHouse checks them), in the catalog's order, which <see cref="Write"/> follows.</summary>
    private static readonly IReadOnlyList<EventColumn> Catalog = EventsTable.Stored;

    /// <summary>The columns, in the order <see cref="Encode"/> writes them (an insert names them, so the table's order does not matter).</summary>
    public static readonly IReadOnlyList<string> Columns = Catalog.Select(c => c.Name).ToArray();

    /// <summary>The format's header for <see cref="Columns"/>: their count, names and types.</summary>
    public static byte[] Header { get; } = EncodeHeader(Catalog);

    /// <summary>Inserts rows made by <see cref="Encode"/> into <paramref name="table"/> (the events table, or one with its columns), naming the columns in their order.</summary>
    public static Task InsertAsync(IClickHouse clickHouse, string table, ReadOnlyMemory<byte> rows, ClickHouseSettings? settings = null, CancellationToken cancellationToken = default)
        => clickHouse.InsertAsync(table, Columns, Format, rows, settings, cancellationToken);

    public static byte[] Encode(IEnumerable<EventRow> rows)
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        buffer.Write(Header);
        foreach (var row in rows)
        {
            Write(buffer, row);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One row without the header (a spool record: its segment starts with the header).</summary>
    public static byte[] EncodeRow(EventRow row)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        Write(buffer, row);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The column names a header made by this class (now or in an earlier version) lists, in its order, that an insert
    /// can write: without those the table derives now or no longer has (<see cref="EventsTable.NotInserted"/>), whose
    /// values ClickHouse skips.
    /// </summary>
    public static IReadOnlyList<string> ColumnNames(ReadOnlySpan<byte> header)
        => TryReadHeader(header, out var names, out _) ? names.Where(n => !EventsTable.NotInserted.Contains(n)).ToArray() : throw new FormatException("A RowBinary header that is not whole.");

    /// <summary>The names and types a header lists (its count, the names, the types); false when it is not exactly that.</summary>
    internal static bool TryReadHeader(ReadOnlySpan<byte> header, out string[] names, out string[] types)
    {
        names = types = [];
        if (!TryVarUInt(ref header, out var count) || count > (ulong)header.Length)
        {
            return false;
        }

        names = new string[count];
        types = new string[count];
        return TryStrings(ref header, names) && TryStrings(ref header, types) && header.IsEmpty;
    }

    private static bool TryStrings(ref ReadOnlySpan<byte> input, string[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!TryVarUInt(ref input, out var length) || (ulong)input.Length < length)
            {
                return false;
            }

            values[i] = Encoding.UTF8.GetString(input[..(int)length]);
            input = input[(int)length..];
        }

        return true;
    }

    /// <summary>Reads a LEB128 number (RowBinary's lengths and counts); false when the input ends inside it.</summary>
    internal static bool TryVarUInt(ref ReadOnlySpan<byte> input, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (input.IsEmpty)
            {
                return false;
            }

            var b = input[0];
            input = input[1..];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The header of <paramref name="columns"/> (the stored ones now; all, with the derived, in segments written before 0026).</summary>
    internal static byte[] EncodeHeader(IReadOnlyList<EventColumn> columns)
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        VarUInt(buffer, (ulong)columns.Count);
        foreach (var column in columns)
        {
            String(buffer, column.Name);
        }

        foreach (var column in columns)
        {
            String(buffer, column.Type);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One row, column by column in <see cref="EventsTable.Stored"/> order (the RowBinary test round-trips every column).</summary>
    private static void Write(ArrayBufferWriter<byte> output, EventRow row)
    {
        UInt64(output, row.PropertyId);
        DateTime64(output, row.Timestamp);
        Date(output, row.Day);
        String(output, row.Name);
        UInt64(output, row.VisitorId);
        DateTime64(output, row.SessionStart);
        Date(output, row.SessionDay);
        Byte(output, row.SessionFirst);
        Byte(output, unchecked((byte)row.BounceDelta));
        UInt32(output, row.DurationDeltaMs);
        Byte(output, row.EngagedFirst);
        Byte(output, row.ScrollGain);
        String(output, row.EntryPage);
        String(output, row.Hostname);
        String(output, row.Pathname);
        String(output, row.Referrer);
        String(output, row.ReferrerSource);
        String(output, row.UtmSource);
        String(output, row.UtmMedium);
        String(output, row.UtmCampaign);
        String(output, row.UtmContent);
        String(output, row.UtmTerm);
        String(output, row.ClickIdParam);
        String(output, row.Channel);
        String(output, row.CountryCode);
        String(output, row.Region);
        String(output, row.City);
        String(output, row.Browser);
        String(output, row.BrowserVersion);
        String(output, row.Os);
        String(output, row.OsVersion);
        String(output, row.DeviceType);
        String(output, row.ScreenSize);
        String(output, row.Locale);
        VarUInt(output, (ulong)row.Props.Count);
        foreach (var (key, value) in row.Props)
        {
            String(output, key);
            String(output, value);
        }

        Int64(output, Decimal6(row.RevenueAmount));
        String(output, row.RevenueCurrency);
        Byte(output, row.ScrollDepth);
        UInt32(output, row.EngagementMs);
        String(output, row.PageTitle);
        String(output, row.ContentType);
        String(output, row.Author);
        Strings(output, row.Categories);
        Strings(output, row.Tags);
    }

    private static void Byte(ArrayBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    private static void UInt32(ArrayBufferWriter<byte> output, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    private static void UInt64(ArrayBufferWriter<byte> output, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    private static void Int64(ArrayBufferWriter<byte> output, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    private static void DateTime64(ArrayBufferWriter<byte> output, DateTime value) => Int64(output, Milliseconds(value));

    private static void Date(ArrayBufferWriter<byte> output, DateOnly value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(output.GetSpan(2), Days(value));
        output.Advance(2);
    }

    /// <summary>A ClickHouse <c>Date</c>: days since 1970-01-01.</summary>
    internal static ushort Days(DateOnly value) => (ushort)(value.DayNumber - UnixDay);

    private static readonly int UnixDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    /// <summary>DateTime64(3): milliseconds since the Unix epoch (sub-millisecond ticks dropped, as the text format does).</summary>
    internal static long Milliseconds(DateTime value) => (value.Ticks - Epoch.Ticks) / TimeSpan.TicksPerMillisecond;

    /// <summary>Decimal(18, 6): the value times 10^6 as Int64 (ClickHouse rounds text input toward zero past 6 digits too).</summary>
    internal static long Decimal6(decimal value) => (long)decimal.Truncate(value * 1_000_000m);

    internal static void VarUInt(ArrayBufferWriter<byte> output, ulong value)
    {
        var span = output.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        output.Advance(i);
    }

    internal static void String(ArrayBufferWriter<byte> output, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        VarUInt(output, (ulong)length);
        Encoding.UTF8.GetBytes(value, output.GetSpan(length));
        output.Advance(length);
    }

    private static void Strings(ArrayBufferWriter<byte> output, IReadOnlyList<string> values)
    {
        VarUInt(output, (ulong)values.Count);
        foreach (var value in values)
        {
            String(output, value);
        }
    }
}
