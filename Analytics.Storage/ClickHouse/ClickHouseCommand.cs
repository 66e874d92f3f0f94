namespace Analytics.Storage.ClickHouse;

/// <summary>One round trip to ClickHouse, engine-neutral.</summary>
/// <param name="Sql">The statement. For an insert, the statement up to (not including) its FORMAT clause.</param>
/// <param name="Format">The output format of a query, or the input format of an insert's <paramref name="Data"/>.</param>
/// <param name="Data">Rows to insert, encoded in <paramref name="Format"/>; null for everything else.</param>
internal sealed record ClickHouseCommand(
    string Sql,
    string? Format,
    IReadOnlyList<KeyValuePair<string, string>> Parameters,
    ClickHouseSettings? Settings,
    ReadOnlyMemory<byte>? Data = null);
