using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using NodaTime;

namespace Analytics.Storage.ClickHouse;

/// <summary>
/// Turns .NET values into the text ClickHouse expects for a bound <c>{name:Type}</c> parameter
/// (the "escaped" text format: the engine parses it as the placeholder's type; nothing is spliced into SQL).
/// </summary>
internal static class QueryParameterFormatter
{
    public static IReadOnlyList<KeyValuePair<string, string>> Format(object? parameters)
    {
        if (parameters is null)
        {
            return [];
        }

        var result = new List<KeyValuePair<string, string>>();
        if (parameters is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            foreach (var (name, value) in pairs)
            {
                result.Add(new(name, FormatValue(value, topLevel: true)));
            }

            return result;
        }

        foreach (var property in parameters.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            result.Add(new(property.Name, FormatValue(property.GetValue(parameters), topLevel: true)));
        }

        return result;
    }

    public static string FormatValue(object? value, bool topLevel)
    {
        switch (value)
        {
            case null:
                return topLevel ? "\\N" : "NULL";
            case string s:
                return topLevel ? Escape(s) : Quote(s);
            case bool b:
                return b ? "1" : "0";
            case DateTime dt:
                var utc = dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : dt;
                return Wrap(utc.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture), topLevel);
            case DateTimeOffset dto:
                return Wrap(dto.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture), topLevel);
            case Instant instant:
                return Wrap(instant.ToDateTimeUtc().ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture), topLevel);
            case DateOnly date:
                return Wrap(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), topLevel);
            case LocalDate localDate:
                return Wrap(localDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), topLevel);
            case Guid guid:
                return Wrap(guid.ToString("D"), topLevel);
            case IFormattable formattable when value.GetType().IsPrimitive || value is decimal:
                return formattable.ToString(null, CultureInfo.InvariantCulture);
            case Enum e:
                return Wrap(e.ToString(), topLevel);
            case IEnumerable items:
                var builder = new StringBuilder("[");
                var first = true;
                foreach (var item in items)
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }

                    builder.Append(FormatValue(item, topLevel: false));
                    first = false;
                }

                // ClickHouse reads an array parameter as its literal, with no escaped-format layer around it: the
                // elements' quoting is the only escaping (escaped again, a quote inside an element broke the array).
                return builder.Append(']').ToString();
            default:
                throw new ArgumentException($"A query parameter of type {value.GetType().Name} cannot be sent to ClickHouse.", nameof(value));
        }
    }

    private static string Wrap(string text, bool topLevel) => topLevel ? text : Quote(text);

    /// <summary>A string literal inside an array or tuple value: single quotes, backslash escapes.</summary>
    private static string Quote(string s) => "'" + Escape(s).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    /// <summary>The escaped text format of a top-level value: backslash, tab and newlines escaped.</summary>
    private static string Escape(string s)
    {
        if (s.AsSpan().IndexOfAny("\\\t\n\r\0") < 0)
        {
            return s;
        }

        var builder = new StringBuilder(s.Length + 8);
        foreach (var c in s)
        {
            builder.Append(c switch
            {
                '\\' => "\\\\",
                '\t' => "\\t",
                '\n' => "\\n",
                '\r' => "\\r",
                '\0' => "\\0",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }
}
