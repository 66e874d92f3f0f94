using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Embedded;
using Analytics.Storage.ClickHouse.Migrations;
using Analytics.Storage.Postgres;
using Analytics.ServiceDefaults;
using Analytics.Dashboard.Accounts;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

[assembly: AssemblyFixture(typeof(Analytics.Tests.Infrastructure.Engines))]

namespace Analytics.Tests.Infrastructure;

/// <summary>
/// The real engines of one test run: one embedded ClickHouse session and one throwaway PostgreSQL cluster, shared by
/// every test; each test class isolates itself in databases of its own (<see cref="NewClickHouseAsync"/>,
/// <see cref="NewPostgresAsync"/>). The chDB library is fetched exactly as the product fetches it on first run.
/// </summary>
public sealed class Engines : IAsyncLifetime
{
    private ChdbSession? _session;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"analytics-tests-{Environment.ProcessId}");

    public PrivatePostgresCluster Postgres { get; private set; } = null!;

    public string LibraryPath { get; private set; } = null!;

    /// <summary>The product's password policy with its common-password list (fetched once, as the product fetches it).</summary>
    public PasswordPolicy Passwords { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        LibraryPath = await ChdbLibrary.EnsureAsync(Environment.GetEnvironmentVariable("ANALYTICS_CHDB_LIBRARY"), Console.Error.WriteLine, CancellationToken.None);
        _session = ChdbSession.Acquire(new ChdbSessionOptions(LibraryPath, Path.Combine(Root, "clickhouse"), 4L << 30), Console.Error.WriteLine);
        Passwords = await PasswordPolicy.LoadAsync(Console.Error.WriteLine, CancellationToken.None);
        Postgres = await PrivatePostgresCluster.StartAsync(Path.Combine(Root, "pg"), "/usr/lib/postgresql/15/bin", Console.Error.WriteLine, CancellationToken.None);
    }

    /// <summary>A fresh ClickHouse database, bare (no schema).</summary>
    public async Task<IClickHouse> NewBareClickHouseAsync()
    {
        var database = $"t_{Guid.NewGuid():N}";
        var clickHouse = new EmbeddedClickHouse(_session!, database);
        await clickHouse.WithDatabase("default").ExecuteAsync($"CREATE DATABASE {database}");
        return clickHouse;
    }

    /// <summary>A fresh ClickHouse database with the product's schema applied.</summary>
    public async Task<IClickHouse> NewClickHouseAsync()
    {
        var clickHouse = new EmbeddedClickHouse(_session!, $"t_{Guid.NewGuid():N}");
        await new ClickHouseMigrator(clickHouse, NullLogger<ClickHouseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return clickHouse;
    }

    /// <summary>A fresh PostgreSQL database with the product's schema applied.</summary>
    public async Task<NpgsqlDataSource> NewPostgresAsync()
    {
        var database = $"t_{Guid.NewGuid():N}";
        await Postgres.CreateDatabaseAsync(database, CancellationToken.None);
        var dataSource = NpgsqlDataSource.Create(Postgres.ConnectionString(database));
        await new PostgresMigrator(dataSource, NullLogger<PostgresMigrator>.Instance).MigrateAsync(CancellationToken.None);
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        return dataSource;
    }

    /// <summary>The account store over a database, as the product wires it (the security log goes nowhere).</summary>
    public UserStore NewUserStore(NpgsqlDataSource dataSource)
        => new(dataSource, Passwords, new AttemptThrottle(dataSource), new SecurityLog(NullLoggerFactory.Instance));

    public async ValueTask DisposeAsync()
    {
        _session?.Release();
        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a stopping process; the temp directory is cleaned by the OS eventually.
        }
    }
}
