namespace Analytics.Ingest.Demo;

/// <summary>How far a load has come: the share of the time range generated, events written, and the rate so far.</summary>
public readonly record struct LoadProgress(double Fraction, long Events, TimeSpan Elapsed)
{
    public double EventsPerSecond => Events / Math.Max(Elapsed.TotalSeconds, 0.001);
}
