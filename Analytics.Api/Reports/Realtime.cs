namespace Analytics.Api.Reports;

/// <summary>Current visitors and the last 30 minutes minute by minute. "Current" means seen in the last 5 minutes.</summary>
public sealed record Realtime(ulong Visitors, IReadOnlyList<RealtimeMinute> Minutes);

public sealed record RealtimeMinute(DateTime Minute, ulong Visitors, ulong Pageviews);
