using System.Text;

namespace Analytics.Storage.Properties;

/// <summary>
/// Plausible's page patterns, as goals and shields take them: <c>**</c> is any run of characters, <c>*</c> any run
/// within one path segment, everything else itself (<c>/blog/*</c> covers <c>/blog/post</c>, <c>/docs/**</c> every
/// page under <c>/docs/</c>).
/// </summary>
public static class PagePattern
{
    /// <summary>
    /// The pattern as an anchored regular expression that means the same to RE2 (ClickHouse's <c>match</c>) and to
    /// .NET's <see cref="System.Text.RegularExpressions.Regex"/>.
    /// </summary>
    public static string Regex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*')
            {
                var across = i + 1 < pattern.Length && pattern[i + 1] == '*';
                regex.Append(across ? ".*" : "[^/]*");
                i += across ? 1 : 0;
            }
            else
            {
                regex.Append(@"\.+?()[]{}^$|".Contains(c, StringComparison.Ordinal) ? "\\" + c : c.ToString());
            }
        }

        return regex.Append('$').ToString();
    }

    /// <summary>
    /// The directory whose pages a pattern covers and nothing else, or null: <c>/blog/*</c> covers a path exactly when
    /// the path's directory (all of it up to its last <c>/</c>) is <c>/blog/</c>. The daily rollup keeps such a
    /// directory's pageviews in one row a day (<c>goal:page_dir</c>, schema/clickhouse/0034).
    /// </summary>
    public static string? Directory(string pattern)
        => pattern.EndsWith("/*", StringComparison.Ordinal) && pattern.IndexOf('*', StringComparison.Ordinal) == pattern.Length - 1 ? pattern[..^1] : null;
}
