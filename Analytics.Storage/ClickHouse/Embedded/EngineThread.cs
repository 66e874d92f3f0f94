using System.Collections.Concurrent;
using Analytics.Storage.Hosting;

namespace Analytics.Storage.ClickHouse.Embedded;

/// <summary>
/// The one thread of the process that calls into chDB (it runs one statement at a time anyway), at a lower CPU
/// priority (<see cref="Nice"/>). A thread inherits its creator's priority, and every thread ClickHouse starts descends
/// from this one (the session is opened here), so the embedded engine's inserts, views, merges and queries yield the
/// cores to request handling when both want them; alone they run as fast as before. On two cores, collect's latency
/// had followed each batch insert (a burst of the engine's work once a second). Under load the engine falls behind
/// rather than the requests: the spool holds what it has not inserted yet. Its name is not ".NET ...": the bench
/// counts its CPU as the engine's, with ClickHouse's own threads.
/// </summary>
internal sealed class EngineThread
{
    /// <summary>
    /// The engine's nice value: CFS weighs a runnable thread at 10 about a tenth of one at 0. Measured with paced load at
    /// about 7,500 events/s on two cores (wrk on the same cores): collect's p99 8.3-10.0 ms at 10, 10.1-14.4 ms at 5,
    /// 12.5-13.6 ms with the engine's work at the pool's priority.
    /// </summary>
    public const int Nice = 10;

    private readonly BlockingCollection<Action> _work = [];

    private EngineThread()
    {
        new Thread(Run) { IsBackground = true, Name = "chDB caller" }.Start();
    }

    /// <summary>The process's one engine thread (the session is one per process too).</summary>
    public static EngineThread Instance { get; } = new();

    /// <summary>Runs <paramref name="work"/> on the engine thread; the task completes with its result or exception.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    /// <summary>Runs <paramref name="work"/> on the engine thread and waits for it (opening and closing the session).</summary>
    public T Run<T>(Func<T> work) => RunAsync(work).GetAwaiter().GetResult();

    private void Run()
    {
        Posix.LowerThreadPriority(Nice);
        foreach (var work in _work.GetConsumingEnumerable())
        {
            work();
        }
    }
}
