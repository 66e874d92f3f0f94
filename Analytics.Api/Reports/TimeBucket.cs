using NodaTime;

namespace Analytics.Api.Reports;

/// <summary>
/// One step of a time series: [<see cref="From"/>, <see cref="To"/>) in UTC, labelled with its local start. A DST
/// fall-back hour occurs twice, told apart by <see cref="Offset"/>; a skipped hour does not occur.
/// </summary>
public sealed record TimeBucket(Instant From, Instant To, LocalDateTime Label, Offset Offset);
