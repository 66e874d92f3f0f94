namespace Analytics.Reports;

/// <summary>A filter tree: conditions on dimensions combined with and, or and not.</summary>
public abstract record Filter;

public enum FilterOperator
{
    Is,
    IsNot,
    Contains,
    ContainsNot,

    /// <summary>An RE2 regular expression (ClickHouse's syntax), anywhere in the value unless anchored.</summary>
    Matches,
    MatchesNot,
}

/// <summary>The dimension's value is (contains, matches) one of <see cref="Values"/>; the negated operators are its opposite.
/// For list dimensions (categories, tags) it holds when any element does.</summary>
public sealed record Condition(FilterOperator Operator, Dimension Dimension, IReadOnlyList<string> Values, bool CaseSensitive = true) : Filter;

public sealed record AllOf(IReadOnlyList<Filter> Filters) : Filter;

public sealed record AnyOf(IReadOnlyList<Filter> Filters) : Filter;

public sealed record Not(Filter Filter) : Filter;

public static class Filters
{
    /// <summary>Every condition of a tree.</summary>
    public static IEnumerable<Condition> Conditions(Filter? filter) => filter switch
    {
        Condition c => [c],
        AllOf all => all.Filters.SelectMany(Conditions),
        AnyOf any => any.Filters.SelectMany(Conditions),
        Not not => Conditions(not.Filter),
        _ => [],
    };
}
