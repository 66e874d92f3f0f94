namespace Analytics.ClickHouse.Embedded;

/// <summary>One database of the process's chDB session.</summary>
internal sealed class EmbeddedClickHouse(ChdbSession session, string database) : ClickHouseClient(database)
{
    public override IClickHouse WithDatabase(string database) => new EmbeddedClickHouse(session, database);

    protected override Task<byte[]> SendAsync(ClickHouseCommand command, CancellationToken cancellationToken)
        => session.RunAsync(Database, command, cancellationToken);
}
