namespace Analytics.Storage.ClickHouse;

/// <summary>Database and table names are spliced into SQL, so only plain identifiers are accepted.</summary>
internal static class ClickHouseIdentifiers
{
    public static void EnsureValid(string name, string what)
    {
        var valid = name.Length is > 0 and <= 128
            && (char.IsAsciiLetter(name[0]) || name[0] == '_')
            && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '.');
        if (!valid)
        {
            throw new ArgumentException($"'{name}' is not a valid ClickHouse identifier for {what}: use letters, digits and underscores.", what);
        }
    }
}
