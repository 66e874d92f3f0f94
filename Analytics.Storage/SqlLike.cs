namespace Analytics.Storage;

/// <summary>Text inside a LIKE pattern, PostgreSQL's and ClickHouse's alike (both escape with a backslash by default).</summary>
public static class SqlLike
{
    /// <summary><paramref name="text"/> with the wildcards (<c>%</c>, <c>_</c>) and the escape itself escaped, so it matches only itself.</summary>
    public static string Escape(string text)
        => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
