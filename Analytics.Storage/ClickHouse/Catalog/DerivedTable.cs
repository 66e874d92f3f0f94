namespace Analytics.Storage.ClickHouse.Catalog;

/// <summary>A table the materialized views keep from the events.</summary>
/// <param name="Before">The SQL condition on <c>{cutoff:DateTime64(3)}</c> that selects its rows from before a cutoff.</param>
/// <param name="Totals">The SQL condition that selects the rows holding a bucket's totals (a rollup by dimension also holds
/// a row per dimension value); its <c>events</c> column sums to the events counted.</param>
public sealed record DerivedTable(string Name, string Before, string Totals = "1");
