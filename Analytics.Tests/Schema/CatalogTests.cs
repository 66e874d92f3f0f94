using System.Text;
using Analytics.Api.Reports;
using Analytics.Dashboard;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Catalog;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Schema;

/// <summary>The catalog of the events table and the tables the views keep, and the readable schema, against the migrated engine.</summary>
public sealed class CatalogTests(Engines engines)
{
    /// <summary>Set to 1 to rewrite schema/clickhouse/current.sql from the migrated engine after a migration changes it.</summary>
    public const string WriteSchemaVariable = "ANALYTICS_WRITE_SCHEMA";

    [Fact]
    public async Task EventsTable_ListsTheMigratedColumnsWithTheirTypesInOrder()
    {
        var clickHouse = await engines.NewClickHouseAsync();

        var columns = await clickHouse.QueryAsync<Column>(
            "SELECT name, type, if(default_kind = 'ALIAS', default_expression, '') AS alias FROM system.columns WHERE database = currentDatabase() AND table = 'events' ORDER BY position");

        Assert.Equal(columns.Select(c => $"{c.Name} {c.Type} {c.Alias}"), EventsTable.Columns.Select(c => $"{c.Name} {c.Type} {c.Alias}"));
        var sessions = await clickHouse.QueryAsync<Column>(
            "SELECT name, type, default_expression AS alias FROM system.columns WHERE database = currentDatabase() AND table = 'sessions' AND default_kind = 'ALIAS'");
        Assert.Equal([$"session_id UInt64 {SessionIds.Sql}"], sessions.Select(c => $"{c.Name} {c.Type} {c.Alias}")); // a visit's id, derived in both tables alike
    }

    [Fact]
    public async Task DerivedTables_AreTheTablesTheViewsWriteTo()
    {
        var clickHouse = await engines.NewClickHouseAsync();

        var targets = await clickHouse.QueryAsync<Name>(
            "SELECT DISTINCT extract(create_table_query, ' TO [^ .]+\\\\.([a-z_]+)') AS value FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView' ORDER BY value");

        Assert.Equal(targets.Select(t => t.Value).Order(StringComparer.Ordinal), DerivedTables.All.Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The dictionary keys of events that a filtered first view reads from raw events (the first tab of each of the
    /// dashboard's panels, the event name and the hostname) keep LZ4, which reads fastest; every other key is read only
    /// by a tab, filter or export of its own and takes ZSTD(1), as does every key of sessions (migration 0033). A panel
    /// whose first tab changes, or a new key, must choose again.
    /// </summary>
    [Fact]
    public async Task EventsDictionaryKeys_KeepLz4ExactlyWhereAFilteredFirstViewReadsThem()
    {
        var clickHouse = await engines.NewClickHouseAsync();
        var firstView = Panels.Breakdowns.Select(p => Dimension.Parse(p.Tab(null).Dimension, "dimension").Stored).OfType<string>()
            .Append("name").Append("hostname").ToHashSet(StringComparer.Ordinal);

        var keys = await clickHouse.QueryAsync<KeyCodec>(
            "SELECT name, compression_codec AS codec FROM system.columns WHERE database = currentDatabase() AND table = 'events' AND type = 'LowCardinality(String)'");

        Assert.Equal(firstView.Order(StringComparer.Ordinal), keys.Where(k => k.Codec.Length == 0).Select(k => k.Name).Order(StringComparer.Ordinal));
        Assert.All(keys.Where(k => !firstView.Contains(k.Name)), k => Assert.Equal("CODEC(ZSTD(1))", k.Codec));
        var visitKeys = await clickHouse.QueryAsync<KeyCodec>(
            "SELECT name, compression_codec AS codec FROM system.columns WHERE database = currentDatabase() AND table = 'sessions' AND type LIKE '%LowCardinality%'");
        Assert.NotEmpty(visitKeys);
        Assert.All(visitKeys, k => Assert.Equal("CODEC(ZSTD(1))", k.Codec)); // a visit is one row: every key of sessions
    }

    [Fact]
    public async Task CurrentSchemaFile_IsTheMigratedEnginesDefinitionOfEveryTableAndView()
    {
        var clickHouse = await engines.NewClickHouseAsync();
        var path = Path.Combine(Repository.Root, "schema", "clickhouse", "current.sql");

        var current = await CurrentSchemaAsync(clickHouse);

        if (Environment.GetEnvironmentVariable(WriteSchemaVariable) == "1")
        {
            await File.WriteAllTextAsync(path, current);
        }

        Assert.True(File.Exists(path) && await File.ReadAllTextAsync(path) == current,
            $"schema/clickhouse/current.sql is not the migrated schema; after changing a migration, regenerate it: {WriteSchemaVariable}=1 ./test.sh -method '*CurrentSchemaFile*'");
    }

    /// <summary>SHOW CREATE of every table, then every view, by name, without the database name.</summary>
    private static async Task<string> CurrentSchemaAsync(IClickHouse clickHouse)
    {
        var tables = await clickHouse.QueryAsync<Name>(
            "SELECT name AS value FROM system.tables WHERE database = currentDatabase() AND name != 'schema_migrations' AND NOT startsWith(name, '.inner') ORDER BY engine = 'MaterializedView', name");
        var text = new StringBuilder();
        text.Append("-- The current definition of every ClickHouse table and view, as the migrations leave them (SHOW CREATE on the\n");
        text.Append("-- migrated engine). Generated and checked by Analytics.Tests/Schema/CatalogTests.cs: read it, never edit it; change\n");
        text.Append("-- the schema with a new numbered migration beside it, then regenerate this file.\n");
        foreach (var table in tables)
        {
            var create = Encoding.UTF8.GetString(await clickHouse.QueryRawAsync($"SHOW CREATE TABLE {table.Value}", "TSVRaw")).TrimEnd();
            text.Append('\n').Append(create.Replace(clickHouse.Database + ".", string.Empty, StringComparison.Ordinal)).Append(";\n");
        }

        return text.ToString();
    }

    private sealed record Column(string Name, string Type, string Alias);

    private sealed record Name(string Value);

    private sealed record KeyCodec(string Name, string Codec);
}
