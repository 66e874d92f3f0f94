namespace Analytics.Storage.ClickHouse;

/// <summary>An error reported by ClickHouse (either engine) or by the transport to it.</summary>
public sealed class ClickHouseException : Exception
{
    public ClickHouseException(string message)
        : base(message)
    {
    }

    public ClickHouseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ClickHouseException(int errorCode, string message, string? query, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
        Query = query;
    }

    /// <summary>Our own code (not ClickHouse's): the embedded engine's data directory is held by another process.</summary>
    public const int DataDirectoryInUse = -1;

    /// <summary>ClickHouse's numeric error code (e.g. 47 UNKNOWN_IDENTIFIER, 60 UNKNOWN_TABLE); 0 when none was given.</summary>
    public int ErrorCode { get; }

    /// <summary>The SQL that failed, when known.</summary>
    public string? Query { get; }

    /// <summary>Builds the exception from ClickHouse's exception text ("Code: 60. DB::Exception: ...").</summary>
    internal static ClickHouseException FromServerText(string text, string? query, int? headerCode = null)
    {
        var code = headerCode ?? ParseCode(text);
        return new ClickHouseException(code, text.Trim(), query);
    }

    internal static int ParseCode(string text)
    {
        // Both "Code: 60. DB::Exception" (modern) and "Code: 60, e.displayText() = DB::Exception" (old servers).
        var at = text.IndexOf("Code: ", StringComparison.Ordinal);
        if (at < 0)
        {
            return 0;
        }

        var start = at + "Code: ".Length;
        var end = start;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        return int.TryParse(text.AsSpan(start, end - start), out var code) ? code : 0;
    }
}
