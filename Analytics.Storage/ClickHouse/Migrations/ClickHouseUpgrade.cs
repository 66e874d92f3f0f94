using Microsoft.Extensions.Logging;

namespace Analytics.Storage.ClickHouse.Migrations;

/// <summary>
/// ClickHouse migrations with work on the stored events (code, tables written again: minutes at 100M events), applied
/// while the server serves: collect keeps accepting events into the spool, whose inserts wait for
/// <see cref="Completion"/>; reports answer 503 naming what the migrator is doing (<see cref="Status"/>). Without such
/// work pending, the migrations run before the server listens and this stays complete.
/// </summary>
public sealed partial class ClickHouseUpgrade(ClickHouseMigrator migrator, ILogger<ClickHouseUpgrade> logger)
{
    private volatile Task _completion = Task.CompletedTask;

    /// <summary>Completes when the migrations are applied (at once, when none run in the background).</summary>
    public Task Completion => _completion;

    public bool Running => !_completion.IsCompleted;

    public string Status => migrator.Status;

    /// <summary>
    /// For what writes to ClickHouse in the background (the spool's batcher, retention, the demo's traffic): waits until
    /// the migrations are applied; false when they failed or the server stops first.
    /// </summary>
    public async Task<bool> WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>
    /// Marks the migrations as running from now on (so nothing inserts), and applies them in the background once
    /// <paramref name="listening"/> completes; when they fail, <paramref name="failed"/> runs (the server stops, and
    /// the events accepted meanwhile wait in the spool for the next start).
    /// </summary>
    public void Start(Task listening, Action failed, CancellationToken cancellationToken)
    {
        LogStarted();
        _completion = RunAsync(listening, failed, cancellationToken);
    }

    private async Task RunAsync(Task listening, Action failed, CancellationToken cancellationToken)
    {
        try
        {
            await listening.WaitAsync(cancellationToken).ConfigureAwait(false);
            await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
            LogDone();
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            LogStopped();
            throw;
        }
        catch (Exception e)
        {
            LogFailed(e);
            failed();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying ClickHouse migrations with work on the stored events while serving: collect accepts events into the spool, inserts wait, and reports answer 503 until they are done")]
    private partial void LogStarted();

    [LoggerMessage(Level = LogLevel.Information, Message = "ClickHouse migrations applied; inserting the events accepted meanwhile")]
    private partial void LogDone();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The server stopped during the ClickHouse migrations; they resume at the next start, and the events accepted meanwhile wait in the spool")]
    private partial void LogStopped();

    [LoggerMessage(Level = LogLevel.Critical, Message = "A ClickHouse migration failed; the server stops, and the events accepted meanwhile stay in the spool for the next start")]
    private partial void LogFailed(Exception e);
}
