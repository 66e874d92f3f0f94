namespace Analytics.Api.Reports;

/// <summary>One event in a visit's timeline.</summary>
public sealed record SessionEvent(DateTime Timestamp, string Name, string Pathname, IReadOnlyDictionary<string, string> Props, uint EngagementMs, byte ScrollDepth, double Revenue, string RevenueCurrency);
