namespace Analytics.Api.Reports;

/// <summary>
/// A funnel over a range, in Plausible's terms: the visitors who reached each step (after the steps before it, in
/// order, within 24 hours of the first), each step's share of the first step's visitors and of the step before, and
/// the drop-off.
/// <see cref="AllVisitors"/> are the range's visitors under the filter; <see cref="EnteringVisitors"/> those who reached
/// the first step.
/// </summary>
public sealed record FunnelResult(
    string Name,
    long AllVisitors,
    long EnteringVisitors,
    double EnteringVisitorsPercentage,
    long NeverEnteringVisitors,
    double NeverEnteringVisitorsPercentage,
    IReadOnlyList<FunnelStep> Steps);

/// <param name="Label">The step's goal, by display name.</param>
/// <param name="ConversionRate">Percent of the first step's visitors.</param>
/// <param name="ConversionRateStep">Percent of the previous step's visitors (100 for the first).</param>
/// <param name="Dropoff">The previous step's visitors who did not reach this one (0 for the first).</param>
/// <param name="DropoffPercentage">Percent of the previous step's visitors.</param>
public sealed record FunnelStep(string Label, long Visitors, double ConversionRate, double ConversionRateStep, long Dropoff, double DropoffPercentage);
