using System.Diagnostics;
using System.Threading.Channels;
using Analytics.Storage.ClickHouse;
using Analytics.Ingest.Events;
using NodaTime;

namespace Analytics.Ingest.Demo;

/// <summary>
/// Writes generated traffic into ClickHouse in deduplicated batches (Native blocks: <see cref="EventNative"/>).
/// Generation and encoding run on one thread while the previous batch is being inserted, so a load runs at the speed
/// of the slower of the two, not their sum.
/// </summary>
public static class DemoLoader
{
    public const int BatchSize = 100_000;

    /// <summary>Loads [from, to) and returns how much was written (progress is reported about once a second). Re-running with the same seed and prefix writes nothing twice.</summary>
    public static async Task<LoadProgress> LoadAsync(
        IClickHouse clickHouse,
        DemoTraffic traffic,
        Instant from,
        Instant to,
        string batchPrefix,
        Action<LoadProgress> progress,
        CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var batches = Channel.CreateBounded<(byte[] Rows, int Count, DateTime Last)>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(
            async () =>
            {
                try
                {
                    foreach (var batch in traffic.Generate(from, to).Chunk(BatchSize))
                    {
                        await batches.Writer.WriteAsync((EventNative.Encode(batch), batch.Length, batch[^1].Timestamp), stop.Token);
                    }

                    batches.Writer.Complete();
                }
                catch (Exception e)
                {
                    batches.Writer.Complete(e);
                }
            },
            stop.Token);

        long written = 0;
        var batchNumber = 0;
        var lastReport = TimeSpan.Zero;
        try
        {
            await foreach (var (rows, count, last) in batches.Reader.ReadAllAsync(cancellationToken))
            {
                await EventNative.InsertAsync(clickHouse, "events", rows, ClickHouseSettings.Deduplicated($"{batchPrefix}-{batchNumber++}"), cancellationToken);
                written += count;
                if (stopwatch.Elapsed - lastReport > TimeSpan.FromSeconds(1))
                {
                    lastReport = stopwatch.Elapsed;
                    var done = (Instant.FromDateTimeUtc(DateTime.SpecifyKind(last, DateTimeKind.Utc)) - from).TotalSeconds / (to - from).TotalSeconds;
                    progress(new LoadProgress(Math.Clamp(done, 0, 1), written, stopwatch.Elapsed));
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await producer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return new LoadProgress(1, written, stopwatch.Elapsed);
    }
}
