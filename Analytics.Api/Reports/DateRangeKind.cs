namespace Analytics.Api.Reports;

/// <summary>The named ranges of the query model, all in the property's time zone and ending today where they are "to date".</summary>
public enum DateRangeKind
{
    /// <summary>The last 24 local hours: the current hour and the 23 before it.</summary>
    Last24Hours,
    Today,
    Yesterday,
    Last7Days,
    Last28Days,
    Last30Days,
    MonthToDate,
    LastMonth,
    Last6Months,
    Last12Months,
    YearToDate,
    All,
    CustomDates,
    CustomInstants,
}
