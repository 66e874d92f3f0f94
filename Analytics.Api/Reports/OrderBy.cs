namespace Analytics.Api.Reports;

/// <summary>Sorts by a metric or a dimension of the query (by its name).</summary>
public sealed record OrderBy(string Field, bool Descending);
