namespace Analytics.Api.Reports;

public enum TimeInterval
{
    Hour,
    Day,
    Week,
    Month,
}
