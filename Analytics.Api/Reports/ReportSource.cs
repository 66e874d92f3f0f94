namespace Analytics.Api.Reports;

/// <summary>
/// The tables a query may be answered from, fastest first. All three give the same answer (tests hold them equal):
/// the rollups when the query needs no more than they keep (the daily rollup for the whole days of a range without
/// a time dimension, the 15-minute rollups for series), the sessions table for session attributes and metrics (with
/// raw events for event metrics), and raw events alone.
/// </summary>
public enum ReportSource
{
    Rollup,
    Sessions,
    Raw,
}
