namespace Analytics.Storage.ClickHouse.Embedded;

/// <summary>What the embedded ClickHouse costs the threads that call it, for the metrics.</summary>
public static class EmbeddedCpu
{
    /// <inheritdoc cref="ChdbSession.CallerCpuTime"/>
    public static TimeSpan OnCallingThreads => ChdbSession.CallerCpuTime;
}
