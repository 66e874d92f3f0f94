using Analytics.Storage.Goals;

namespace Analytics.Storage.Funnels;

/// <summary>A funnel of a property: its goals in order, which a visit completes step by step.</summary>
public sealed record Funnel(long Id, long PropertyId, string Name, IReadOnlyList<Goal> Steps);
