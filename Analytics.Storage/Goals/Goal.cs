using System.Text.Json;

namespace Analytics.Storage.Goals;

/// <summary>What a goal counts: a custom event, a pageview on a path pattern, or a page scrolled to a share.</summary>
public enum GoalKind
{
    Event,
    Page,
    Scroll,
}

/// <summary>
/// A goal of a property: a custom event (<see cref="EventName"/>, optionally only with the custom property values of
/// <see cref="CustomProps"/>, and a revenue goal in <see cref="Currency"/>), a pageview on <see cref="PagePath"/>
/// (Plausible's wildcards: <c>*</c> within a path segment, <c>**</c> across segments), or, with
/// <see cref="ScrollThreshold"/>, that page scrolled to at least that percentage. Reports name it by
/// <see cref="DisplayName"/>, unique in its property.
/// </summary>
public sealed record Goal(long Id, long PropertyId, string DisplayName, string? EventName, string? PagePath, short? ScrollThreshold, string? Currency, string CustomPropsJson, DateTime CreatedAt)
{
    public GoalKind Kind => EventName is not null ? GoalKind.Event : ScrollThreshold is not null ? GoalKind.Scroll : GoalKind.Page;

    /// <summary>The custom property values an event must carry to count (empty: any).</summary>
    public IReadOnlyDictionary<string, string> CustomProps => JsonSerializer.Deserialize<Dictionary<string, string>>(CustomPropsJson) ?? [];
}

/// <summary>A goal to add: exactly one of an event name and a page path; a scroll threshold only with a page path.</summary>
public sealed record GoalDefinition(string? EventName, string? PagePath, int? ScrollThreshold = null, string? DisplayName = null, string? Currency = null, IReadOnlyDictionary<string, string>? CustomProps = null);
