using System.ComponentModel.DataAnnotations;

namespace Analytics.Storage.ClickHouse;

public enum ClickHouseEngineKind
{
    /// <summary>chDB inside this process (single node).</summary>
    Embedded,

    /// <summary>A ClickHouse server or cluster over HTTP (split deployment).</summary>
    Server,
}
