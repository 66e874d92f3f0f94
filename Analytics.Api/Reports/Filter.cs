namespace Analytics.Api.Reports;

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

internal sealed record AllOf(IReadOnlyList<Filter> Filters) : Filter;

internal sealed record AnyOf(IReadOnlyList<Filter> Filters) : Filter;

public sealed record Not(Filter Filter) : Filter;

/// <summary>
/// Plausible's behavioural filters: rows of visits that have (<see cref="Done"/>) or have not done, in the range, an
/// event passing <see cref="Filter"/> (conditions on events only: a name, goal, page or custom property).
/// </summary>
public sealed record Behaviour(Filter Filter, bool Done) : Filter;

public static class Filters
{
    /// <summary>Every condition of a tree.</summary>
    public static IEnumerable<Condition> Conditions(Filter? filter) => filter switch
    {
        Condition c => [c],
        AllOf all => all.Filters.SelectMany(Conditions),
        AnyOf any => any.Filters.SelectMany(Conditions),
        Not not => Conditions(not.Filter),
        Behaviour behaviour => Conditions(behaviour.Filter),
        _ => [],
    };

    /// <summary>Every behavioural filter of a tree (has_done, has_not_done).</summary>
    public static IEnumerable<Behaviour> Behaviours(Filter? filter) => filter switch
    {
        Behaviour b => [b, .. Behaviours(b.Filter)],
        AllOf all => all.Filters.SelectMany(Behaviours),
        AnyOf any => any.Filters.SelectMany(Behaviours),
        Not not => Behaviours(not.Filter),
        _ => [],
    };

    /// <summary>The conditions that every row must pass: the filter itself, or those directly under its top-level "and".</summary>
    public static IEnumerable<Condition> TopLevel(Filter? filter) => filter switch
    {
        Condition c => [c],
        AllOf all => all.Filters.SelectMany(TopLevel),
        _ => [],
    };

    /// <summary>Both filters (either may be null: then the other alone).</summary>
    public static Filter? Both(Filter? first, Filter? second) => (first, second) switch
    {
        (null, _) => second,
        (_, null) => first,
        _ => new AllOf([first, second]),
    };

    /// <summary>Whether a filter has a condition on an event dimension (page, name, props, ...), which makes views per visit undefined.</summary>
    public static bool OnEvents(Filter? filter) => Conditions(filter).Any(c => c.Dimension.Scope == DimensionScope.Event);
}
