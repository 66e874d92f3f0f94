using System.ComponentModel.DataAnnotations;
using System.Net;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Embedded;
using Analytics.Storage.ClickHouse.Http;
using Analytics.Storage.Postgres;
using Microsoft.Extensions.Configuration;

namespace Analytics.Storage.Hosting;

/// <summary>
/// What must exist before the application's services can be built: the chDB library (fetched on first run), the
/// private PostgreSQL cluster (started, or joined when a running server has it), and the options that choose them.
/// Used by <c>serve</c> and by every admin command, so they all reach the same stores.
/// </summary>
public sealed class StorageRuntime : IAsyncDisposable
{
    private readonly PrivatePostgresCluster? _cluster;
    private readonly ChdbSession? _session;
    private readonly HttpClient? _http;

    private StorageRuntime(string dataDirectory, ClickHouseOptions clickHouseOptions, string? postgresConnectionString, PrivatePostgresCluster? cluster, ChdbSession? session, HttpClient? http)
    {
        DataDirectory = dataDirectory;
        ClickHouseOptions = clickHouseOptions;
        PostgresConnectionString = postgresConnectionString;
        _cluster = cluster;
        _session = session;
        _http = http;
    }

    public string DataDirectory { get; }

    public ClickHouseOptions ClickHouseOptions { get; }

    /// <summary>The PostgreSQL connection string; null when this runtime was started without PostgreSQL.</summary>
    public string? PostgresConnectionString { get; }

    /// <summary>The configured database; null when this runtime was started without ClickHouse.</summary>
    public IClickHouse? ClickHouse => _session is not null
        ? new EmbeddedClickHouse(_session, ClickHouseOptions.Database)
        : _http is not null ? new HttpClickHouse(_http, ClickHouseOptions.ServerUrl!, ClickHouseOptions.Database, ClickHouseOptions.User, ClickHouseOptions.Password) : null;

    /// <param name="stores">The stores to open; a command that only touches PostgreSQL may run beside a server that holds the embedded engine.</param>
    /// <param name="ownsPostgres">True for the server: once it holds the embedded engine (so no other server runs on this
    /// data directory), it stops the private PostgreSQL at the end, even one a crashed server left running.</param>
    public static async Task<StorageRuntime> StartAsync(IConfiguration configuration, Stores stores, Action<string> progress, CancellationToken cancellationToken, bool ownsPostgres = false)
    {
        var dataDirectory = Hosting.DataDirectory.Resolve(configuration[Hosting.DataDirectory.ConfigKey]);
        var clickHouseOptions = Bind<ClickHouseOptions>(configuration, ClickHouseOptions.Section);
        var postgresOptions = Bind<PostgresOptions>(configuration, PostgresOptions.Section);
        Hosting.DataDirectory.Ensure(dataDirectory);

        PrivatePostgresCluster? cluster = null;
        ChdbSession? session = null;
        HttpClient? http = null;
        try
        {
            var withPostgres = stores.HasFlag(Stores.Postgres);
            var withClickHouse = stores.HasFlag(Stores.ClickHouse);
            var connectionString = withPostgres ? postgresOptions.ConnectionString : null;
            if (withPostgres && string.IsNullOrWhiteSpace(connectionString))
            {
                cluster = await PrivatePostgresCluster.StartAsync(Path.Combine(dataDirectory, "postgres"), postgresOptions.BinDirectory, progress, cancellationToken);
                connectionString = cluster.ConnectionString();
            }

            if (withClickHouse && clickHouseOptions.Engine == ClickHouseEngineKind.Embedded)
            {
                var library = await ChdbLibrary.EnsureAsync(clickHouseOptions.LibraryPath, progress, cancellationToken);
                session = ChdbSession.Acquire(new ChdbSessionOptions(library, Path.Combine(dataDirectory, "clickhouse"), clickHouseOptions.MaxMemoryMb * 1024L * 1024L), progress);
            }
            else if (withClickHouse)
            {
                if (clickHouseOptions.ServerUrl is null)
                {
                    throw new OptionsException("ClickHouse:ServerUrl (ANALYTICS_CLICKHOUSE_URL) is required when ClickHouse:Engine is Server.");
                }

                http = CreateHttpClient();
            }

            if (ownsPostgres && session is not null)
            {
                cluster?.TakeOwnership();
            }

            return new StorageRuntime(dataDirectory, clickHouseOptions, connectionString, cluster, session, http);
        }
        catch
        {
            session?.Release();
            http?.Dispose();
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>The one HttpClient of the server engine: pooled connections, gzip responses.</summary>
    public static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        AutomaticDecompression = DecompressionMethods.GZip,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    {
        Timeout = TimeSpan.FromMinutes(10),
    };

    public async ValueTask DisposeAsync()
    {
        _session?.Release();
        _http?.Dispose();
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>Binds a section into <paramref name="options"/>; a value of the wrong type fails naming the setting and the value.</summary>
    internal static void BindSection(IConfiguration configuration, string section, object options)
    {
        try
        {
            configuration.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new OptionsException($"{e.Message} {e.InnerException?.Message}".Trim());
        }
    }

    /// <summary>Binds a section and checks its data annotations; a bad setting fails with a message naming it.</summary>
    public static T Bind<T>(IConfiguration configuration, string section)
        where T : new()
    {
        var options = new T();
        BindSection(configuration, section, options);

        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            throw new OptionsException(string.Join(" ", results.Select(r => r.ErrorMessage)));
        }

        return options;
    }
}
