using Analytics.Storage.Goals;
using Analytics.Storage.Hosting;

namespace Analytics.Api.Reports;

/// <summary>
/// Which of a property's goals an <c>event:goal</c> condition names (by display name, "is" or "contains", as
/// Plausible matches them), and a goal's page pattern as the regular expression the reports run.
/// </summary>
internal static class GoalMatching
{
    public const string DimensionName = "event:goal";

    public static bool IsGoal(Condition condition) => condition.Dimension.Name == DimensionName;

    /// <summary>The goals the condition names (any of its values).</summary>
    public static IReadOnlyList<Goal> Named(IReadOnlyList<Goal> goals, Condition condition)
    {
        var comparison = condition.CaseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        return goals.Where(goal => condition.Values.Any(value => condition.Operator == FilterOperator.Contains
            ? goal.DisplayName.Contains(value, comparison)
            : string.Equals(goal.DisplayName, value, comparison))).ToList();
    }

    /// <summary>The goals a breakdown by event:goal lists: those every top-level goal condition names (all, without one).</summary>
    public static IReadOnlyList<Goal> Listed(IReadOnlyList<Goal> goals, Filter? filter)
        => Filters.TopLevel(filter).Where(IsGoal).Aggregate(goals, (listed, condition) => Named(listed, condition));

    /// <summary>
    /// Whether a statement over these dimensions and filter counts goal completions (a breakdown by goal, or a goal
    /// condition every row passes): then each matching event counts, engagement too (a scroll goal is one).
    /// </summary>
    public static bool CountsGoals(IReadOnlyList<Dimension> dimensions, Filter? filter)
        => dimensions.Any(d => d.Name == DimensionName) || Filters.TopLevel(filter).Any(IsGoal);

    /// <summary>
    /// Whether the daily rollup holds a goal's completions: a custom event without property values (its event:name rows)
    /// or a page (its goal:pageview rows); not a scroll goal, nor one that asks for custom property values.
    /// </summary>
    public static bool FromRollup(Goal goal) => goal.Kind == GoalKind.Page || goal is { Kind: GoalKind.Event, CustomPropsJson: "{}" };

    /// <summary>
    /// The revenue currency of rows that are completions of <paramref name="goals"/>: the one currency they all count
    /// revenue in, or null when one is no revenue goal or they differ (revenue metrics are then null, as Plausible's).
    /// </summary>
    public static string? Currency(IReadOnlyList<Goal> goals)
        => goals.Count > 0 && goals.All(g => g.Currency is not null) && goals.Select(g => g.Currency).Distinct().Count() == 1 ? goals[0].Currency : null;

    /// <summary>
    /// Checks the goal conditions of a filter: "is" or "contains", at the top level, and every name an "is" gives is a
    /// configured goal (as Plausible answers, the error names it).
    /// </summary>
    public static void Validate(Filter? filter, IReadOnlyList<Goal> goals)
    {
        var conditions = Filters.Conditions(filter).Where(IsGoal).ToList();
        var topLevel = Filters.TopLevel(filter).Concat(Filters.Behaviours(filter).SelectMany(b => Filters.TopLevel(b.Filter))).Count(IsGoal);
        if (conditions.Count != topLevel)
        {
            throw new FieldValidationException("filters", "event:goal can only be filtered at the top level (or of has_done), not inside or or not.");
        }

        foreach (var condition in conditions)
        {
            if (condition.Operator is not (FilterOperator.Is or FilterOperator.Contains))
            {
                throw new FieldValidationException("filters", "event:goal is filtered with is or contains (visits without a goal: has_not_done).");
            }

            if (condition.Operator == FilterOperator.Is && condition.Values.FirstOrDefault(v => Named(goals, condition with { Values = [v] }).Count == 0) is { } missing)
            {
                throw new FieldValidationException("filters", $"the goal '{missing}' is not configured for this property; add it with 'analytics goals add', the Sites API or the dashboard's goal settings.");
            }
        }
    }
}
