using System.ComponentModel.DataAnnotations;

namespace Analytics.Api.Reports;

/// <summary>The reports' settings (section <c>Reports</c>), for the API, the dashboard and the email reports alike.</summary>
public sealed class ReportOptions
{
    public const string Section = "Reports";

    /// <summary>
    /// Sampling, off unless set (env <c>ANALYTICS_SAMPLE_ABOVE</c>): a report whose range holds more events than this
    /// (the rows a scan reads: pageviews, custom events and engagement pings) reads the raw events and visits of one
    /// visitor in N, N the smallest that brings them under it (at most 100), and scales its figures by N. Only what the rollups cannot answer is sampled (filters
    /// and breakdowns they do not keep); the API's meta and the dashboard say when a figure is sampled. 0: never.
    /// </summary>
    [Range(0, long.MaxValue, ErrorMessage = "Reports:SampleAbove must be 0 (never sample) or a number of events.")]
    public long SampleAbove { get; set; }
}
