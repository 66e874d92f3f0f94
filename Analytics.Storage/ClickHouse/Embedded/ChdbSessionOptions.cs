namespace Analytics.Storage.ClickHouse.Embedded;

internal sealed record ChdbSessionOptions(string LibraryPath, string DataPath, long MaxServerMemoryBytes);
