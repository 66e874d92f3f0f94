using NodaTime;

namespace Analytics.Api.Reports;

/// <summary>
/// A report's time range: the half-open UTC interval [<see cref="From"/>, <see cref="To"/>) that the owner's local
/// range covers, with the local days it spans (for labels and comparisons; null for ranges given as instants).
/// </summary>
public sealed record ReportRange(Instant From, Instant To, LocalDate? FirstDay, LocalDate? LastDay)
{
    public Duration Length => To - From;
}
