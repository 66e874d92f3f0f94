namespace Analytics.Api.Reports;

/// <summary>One visit in a session list. The id is a string: it is a 64-bit number, beyond what JSON numbers hold exactly.</summary>
public sealed record SessionSummary(string Id, DateTime Start, DateTime End, ulong Pageviews, ulong Events, ulong DurationMs, string EntryPage,
    string ExitPage, string Source, string Country, string Browser, string Os, string Device);
