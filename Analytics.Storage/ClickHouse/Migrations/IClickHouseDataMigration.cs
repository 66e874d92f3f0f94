namespace Analytics.Storage.ClickHouse.Migrations;

/// <summary>
/// Work a migration file leaves to code: rows it cannot compute in SQL (e.g. values from a list that only the code
/// loads). A file names it on a line <c>-- code: Name</c>; the migrator runs it right after that file's statements and
/// records the file only when it has finished, so a run that stops half-way repeats it: it must be safe to repeat.
/// </summary>
public interface IClickHouseDataMigration
{
    /// <summary>The name a migration file gives after <c>-- code:</c>.</summary>
    string Name { get; }

    Task RunAsync(IClickHouse clickHouse, CancellationToken cancellationToken);
}
