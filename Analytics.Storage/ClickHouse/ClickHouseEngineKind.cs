namespace Analytics.Storage.ClickHouse;

/// <summary>Which ClickHouse engine a deployment uses (<c>ClickHouse:Engine</c>).</summary>
public enum ClickHouseEngineKind
{
    /// <summary>chDB inside this process (single node).</summary>
    Embedded,

    /// <summary>A ClickHouse server or cluster over HTTP (split deployment).</summary>
    Server,
}
