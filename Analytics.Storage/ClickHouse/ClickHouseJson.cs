using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using NodaTime;

namespace Analytics.Storage.ClickHouse;

/// <summary>How rows travel as JSONEachRow: snake_case names, 64-bit integers accepted quoted or bare,
/// ClickHouse's "yyyy-MM-dd HH:mm:ss[.fff]" date-times read and written as UTC.</summary>
public static class ClickHouseJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <summary>Encodes rows as JSONEachRow, one object per line.</summary>
    public static byte[] Encode<T>(IEnumerable<T> rows)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var writer = new Utf8JsonWriter(buffer);
        foreach (var row in rows)
        {
            JsonSerializer.Serialize(writer, row, Options);
            writer.Flush();
            writer.Reset();
            buffer.Write(NewLine);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes JSONEachRow output into rows.</summary>
    public static IReadOnlyList<T> Decode<T>(ReadOnlySpan<byte> jsonEachRow)
    {
        var rows = new List<T>();
        while (!jsonEachRow.IsEmpty)
        {
            var end = jsonEachRow.IndexOf((byte)'\n');
            var line = end < 0 ? jsonEachRow : jsonEachRow[..end];
            jsonEachRow = end < 0 ? default : jsonEachRow[(end + 1)..];
            if (line.IsEmpty)
            {
                continue;
            }

            rows.Add(JsonSerializer.Deserialize<T>(line, Options)
                ?? throw new ClickHouseException("ClickHouse returned a null row."));
        }

        return rows;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            NumberHandling = JsonNumberHandling.AllowReadingFromString,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new DateTimeConverter());
        options.Converters.Add(new InstantConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private const string WriteFormat = "yyyy-MM-dd HH:mm:ss.fff";

    private static DateTime ParseUtc(ref Utf8JsonReader reader)
    {
        var text = reader.GetString() ?? throw new JsonException("Expected a date-time.");
        return DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
    }

    private sealed class DateTimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ParseUtc(ref reader);

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
        {
            var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
            writer.WriteStringValue(utc.ToString(WriteFormat, CultureInfo.InvariantCulture));
        }
    }

    private sealed class InstantConverter : JsonConverter<Instant>
    {
        public override Instant Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            => Instant.FromDateTimeUtc(DateTime.SpecifyKind(ParseUtc(ref reader), DateTimeKind.Utc));

        public override void Write(Utf8JsonWriter writer, Instant value, JsonSerializerOptions options)
            => writer.WriteStringValue(value.ToDateTimeUtc().ToString(WriteFormat, CultureInfo.InvariantCulture));
    }
}
