using System.Diagnostics.Metrics;
using Analytics.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Analytics.Tests.Infrastructure;

/// <summary>
/// Reads collect's instruments as one test host recorded them. Hosts in one test process share meter names, so /metrics
/// (which listens by name, as in production where a process has one host) would add up every host's counts; a
/// collector listens to one host's meter factory only.
/// </summary>
internal static class Instruments
{
    /// <summary>Measurements of <paramref name="instrument"/> recorded by the host from now on.</summary>
    public static MetricCollector<long> Collect(IServiceProvider host, string instrument)
        => new(host.GetRequiredService<IMeterFactory>(), IngestMetrics.MeterName, instrument);

    /// <summary>The sum of what was recorded, or of what was recorded with <paramref name="reason"/>.</summary>
    public static long Sum(this MetricCollector<long> collector, string? reason = null)
        => collector.GetMeasurementSnapshot().Where(m => reason is null || Equals(m.Tags.GetValueOrDefault("reason"), reason)).Sum(m => m.Value);

    /// <summary>Instruments of their own, for a spool or batcher built without a host.</summary>
    public static IngestMetrics NewMetrics(out IServiceProvider meters)
    {
        meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        return new IngestMetrics(meters.GetRequiredService<IMeterFactory>());
    }

    public static IngestMetrics NewMetrics() => NewMetrics(out _);
}
