using System.ComponentModel.DataAnnotations;

namespace Analytics.Storage.ClickHouse;

/// <summary>Settings of section <c>ClickHouse</c> (environment: <c>ANALYTICS_CLICKHOUSE__*</c>, plus the short names in the README).</summary>
public sealed class ClickHouseOptions
{
    public const string Section = "ClickHouse";

    public ClickHouseEngineKind Engine { get; set; } = ClickHouseEngineKind.Embedded;

    [RegularExpression("^[A-Za-z_][A-Za-z0-9_]*$", ErrorMessage = "ClickHouse:Database must be a plain identifier (letters, digits, underscores).")]
    public string Database { get; set; } = "analytics";

    /// <summary>Embedded: a libchdb.so of your own; unset, the pinned npm package is fetched into the cache once.</summary>
    public string? LibraryPath { get; set; }

    /// <summary>Embedded: the memory ClickHouse may use (max_server_memory_usage).</summary>
    [Range(256, 1_048_576, ErrorMessage = "ClickHouse:MaxMemoryMb must be between 256 and 1048576.")]
    public int MaxMemoryMb { get; set; } = 2048;

    /// <summary>Server: the HTTP interface, e.g. http://clickhouse:8123/.</summary>
    public Uri? ServerUrl { get; set; }

    public string? User { get; set; }

    public string? Password { get; set; }
}
