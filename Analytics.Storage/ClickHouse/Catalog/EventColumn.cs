namespace Analytics.Storage.ClickHouse.Catalog;

/// <summary>One column of the raw <c>events</c> table.</summary>
/// <param name="Type">Its ClickHouse type, as <c>system.columns</c> shows it (a test holds them equal).</param>
/// <param name="Exported">Written by <c>analytics export</c> and read back by <c>analytics import</c>; the session bookkeeping
/// columns are not, because an import rebuilds sessions.</param>
/// <param name="FromVisitors">Text a visitor's browser sent, which a spreadsheet could take for a formula (CSV export neutralises it).</param>
/// <param name="Alias">The expression of a column the table derives from others instead of storing (<c>ALIAS</c>): read
/// like any column, never written.</param>
public sealed record EventColumn(string Name, string Type, bool Exported = true, bool FromVisitors = false, string? Alias = null)
{
    /// <summary>Written by an insert: stored, not derived.</summary>
    public bool Stored => Alias is null;
}
