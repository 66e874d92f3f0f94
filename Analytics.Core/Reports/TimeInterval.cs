namespace Analytics.Reports;

public enum TimeInterval
{
    Hour,
    Day,
    Week,
    Month,
}
