using System.Buffers;
using System.Buffers.Binary;
using Analytics.Ingest.Events;
using Analytics.Storage.ClickHouse.Catalog;

namespace Analytics.Ingest.Spool;

/// <summary>
/// Turns a spool batch's rows (RowBinary under a RowBinaryWithNamesAndTypes header, <see cref="EventRowBinary"/>) into
/// one Native block, byte for byte and without decoding a value: ClickHouse reads a column in one pass where RowBinary
/// costs it a call per value (about 4 µs of its CPU an event, docs/benchmarks.md). A string's bytes are the same in
/// both formats; fixed-width values are copied as they are; a list or a map becomes its offsets and its elements. The
/// dictionary columns go as plain strings, which the insert converts. A header with a type it does not know, or rows
/// that end inside a value, give no block, and the batch goes in as RowBinary, as it was written. A column the table
/// derives now or no longer has (written by an earlier version) is left out of the block.
/// </summary>
/// <remarks>
/// One instance per batcher: its buffers are kept from batch to batch (a batch is megabytes, see
/// <see cref="SpoolBatcher"/>).
/// </remarks>
internal sealed class NativeTranscoder
{
    private enum Kind
    {
        Fixed,
        Text,
        Texts,
        Map,
    }

    private sealed class Column(string name, string type, Kind kind, int width)
    {
        public string Name { get; } = name;
        public string Type { get; } = type;
        public Kind Kind { get; } = kind;
        public int Width { get; } = width;

        /// <summary>
        /// A column the table derives now or no longer has (the visits' ids in segments written before 0026, the previous
        /// page before 0031): read past, not sent.
        /// </summary>
        public bool Skipped { get; } = EventsTable.NotInserted.Contains(name);
        public ArrayBufferWriter<byte> Values { get; } = new();
        public ArrayBufferWriter<byte> Offsets { get; } = new();
        public ArrayBufferWriter<byte> MapValues { get; } = new();
        public ulong End { get; set; }

        public void Clear()
        {
            Values.ResetWrittenCount();
            Offsets.ResetWrittenCount();
            MapValues.ResetWrittenCount();
            End = 0;
        }
    }

    private readonly ArrayBufferWriter<byte> _block = new();
    private byte[] _header = [];
    private Column[]? _columns;

    /// <summary>
    /// The block of <paramref name="count"/> rows written under <paramref name="header"/> (valid until the next call),
    /// or false when a type is not one it knows or the rows do not hold exactly <paramref name="count"/> whole rows.
    /// </summary>
    public bool TryTranscode(ReadOnlySpan<byte> header, ReadOnlySpan<byte> rows, int count, out ReadOnlyMemory<byte> block)
    {
        block = default;
        if (!header.SequenceEqual(_header))
        {
            _columns = Columns(header);
            _header = header.ToArray();
        }

        if (_columns is null)
        {
            return false;
        }

        foreach (var column in _columns)
        {
            column.Clear();
        }

        for (var row = 0; row < count; row++)
        {
            foreach (var column in _columns)
            {
                if (!Read(column, ref rows))
                {
                    return false;
                }
            }
        }

        if (!rows.IsEmpty)
        {
            return false;
        }

        _block.ResetWrittenCount();
        EventRowBinary.VarUInt(_block, (ulong)_columns.Count(c => !c.Skipped));
        EventRowBinary.VarUInt(_block, (ulong)count);
        foreach (var column in _columns.Where(c => !c.Skipped))
        {
            EventRowBinary.String(_block, column.Name);
            EventRowBinary.String(_block, column.Type);
            _block.Write(column.Offsets.WrittenSpan);
            _block.Write(column.Values.WrittenSpan);
            _block.Write(column.MapValues.WrittenSpan);
        }

        block = _block.WrittenMemory;
        return true;
    }

    /// <summary>The columns a header names, with their types as sent in Native; null when one has a type not known here.</summary>
    private static Column[]? Columns(ReadOnlySpan<byte> header)
    {
        if (!EventRowBinary.TryReadHeader(header, out var names, out var types))
        {
            return null;
        }

        var columns = new Column[names.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            Column? column = types[i] switch
            {
                // The types of the events table's columns (EventsTable), each one in the round-trip test.
                "UInt8" or "Int8" => new(names[i], types[i], Kind.Fixed, 1),
                "Date" => new(names[i], types[i], Kind.Fixed, 2),
                "UInt32" => new(names[i], types[i], Kind.Fixed, 4),
                "UInt64" or "Decimal(18, 6)" or "DateTime64(3, 'UTC')" => new(names[i], types[i], Kind.Fixed, 8),
                "String" or "LowCardinality(String)" => new(names[i], "String", Kind.Text, 0),
                "Array(String)" or "Array(LowCardinality(String))" => new(names[i], "Array(String)", Kind.Texts, 0),
                "Map(String, String)" => new(names[i], types[i], Kind.Map, 0),
                _ => null,
            };
            if (column is null)
            {
                return null;
            }

            columns[i] = column;
        }

        return columns;
    }

    /// <summary>Moves one value of <paramref name="column"/> from the rows to its buffers.</summary>
    private static bool Read(Column column, ref ReadOnlySpan<byte> rows)
    {
        switch (column.Kind)
        {
            case Kind.Fixed:
                if (rows.Length < column.Width)
                {
                    return false;
                }

                column.Values.Write(rows[..column.Width]);
                rows = rows[column.Width..];
                return true;
            case Kind.Text:
                return CopyString(column.Values, ref rows);
            default:
                if (!EventRowBinary.TryVarUInt(ref rows, out var elements))
                {
                    return false;
                }

                for (ulong i = 0; i < elements; i++)
                {
                    if (!CopyString(column.Values, ref rows) || (column.Kind == Kind.Map && !CopyString(column.MapValues, ref rows)))
                    {
                        return false;
                    }
                }

                column.End += elements;
                BinaryPrimitives.WriteUInt64LittleEndian(column.Offsets.GetSpan(8), column.End);
                column.Offsets.Advance(8);
                return true;
        }
    }

    /// <summary>Copies a string (its length, then its bytes: the same in RowBinary and Native).</summary>
    private static bool CopyString(ArrayBufferWriter<byte> output, ref ReadOnlySpan<byte> rows)
    {
        var start = rows;
        if (!EventRowBinary.TryVarUInt(ref rows, out var length) || (ulong)rows.Length < length)
        {
            return false;
        }

        var size = start.Length - rows.Length + (int)length;
        output.Write(start[..size]);
        rows = rows[(int)length..];
        return true;
    }
}
