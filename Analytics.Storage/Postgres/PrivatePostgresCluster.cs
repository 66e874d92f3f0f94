using System.Diagnostics;
using System.Text;
using Analytics.Storage.Hosting;
using Npgsql;

namespace Analytics.Storage.Postgres;

/// <summary>
/// A PostgreSQL cluster the product runs for itself under its data directory: <c>initdb</c> on first use,
/// <c>pg_ctl start</c>, and <c>pg_ctl stop</c> when the last user is done. It listens on a Unix socket inside its own
/// directory only (no TCP port to clash with, no password: the directory's permissions are the access control).
/// When running as root it runs as the <c>postgres</c> user, because PostgreSQL refuses to run as root.
/// </summary>
public sealed class PrivatePostgresCluster : IAsyncDisposable
{
    public const string DatabaseName = "analytics";
    private const string SuperUser = "analytics";

    private readonly string _binDirectory;
    private readonly Action<string> _progress;
    private bool _startedHere;

    private PrivatePostgresCluster(string directory, string binDirectory, Action<string> progress)
    {
        Directory = directory;
        _binDirectory = binDirectory;
        _progress = progress;
    }

    /// <summary>The cluster's data directory; its Unix socket lives here too.</summary>
    public string Directory { get; }

    /// <summary>Connection string to the given database of this cluster.</summary>
    public string ConnectionString(string database = DatabaseName) => new NpgsqlConnectionStringBuilder
    {
        Host = Directory,
        Username = SuperUser,
        Database = database,
        Pooling = true,
    }.ConnectionString;

    /// <summary>
    /// Starts the cluster in <paramref name="directory"/> (creating it on first use), or joins it when another process
    /// (a running server) already has it up; only a cluster started here is stopped by <see cref="DisposeAsync"/>.
    /// </summary>
    public static async Task<PrivatePostgresCluster> StartAsync(string directory, string binDirectory, Action<string> progress, CancellationToken cancellationToken)
    {
        directory = Path.GetFullPath(directory);
        var cluster = new PrivatePostgresCluster(directory, binDirectory, progress);
        await cluster.StartAsync(cancellationToken).ConfigureAwait(false);
        return cluster;
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var tool in new[] { "initdb", "pg_ctl", "postgres" })
        {
            if (!File.Exists(Path.Combine(_binDirectory, tool)))
            {
                throw new PostgresStartupException(
                    $"PostgreSQL server binaries were not found in '{_binDirectory}' (no {tool}). Install them (apt-get install postgresql-15), " +
                    "point ANALYTICS_POSTGRES_BIN at their directory, or set ANALYTICS_POSTGRES to the connection string of a server you run.");
            }
        }

        // The socket path (directory + "/.s.PGSQL.5432") must fit in sockaddr_un.sun_path (108 bytes).
        if (Encoding.UTF8.GetByteCount(Directory) > 90)
        {
            throw new PostgresStartupException($"The data directory path '{Directory}' is too long for PostgreSQL's socket (at most 90 bytes); choose a shorter --data directory.");
        }

        if (!File.Exists(Path.Combine(Directory, "PG_VERSION")))
        {
            await InitializeAsync(cancellationToken).ConfigureAwait(false);
        }

        if (await RunAsync("pg_ctl", ["status", "-D", Directory], throwOnError: false, cancellationToken).ConfigureAwait(false) == 0)
        {
            return; // a running server (or an earlier command) has it up already
        }

        var log = Path.Combine(Directory, "postgres.log");
        var exit = await RunAsync("pg_ctl",
            ["start", "-w", "-t", "60", "-D", Directory, "-l", log, "-o", $"-c listen_addresses='' -k {Directory}"],
            throwOnError: false, cancellationToken).ConfigureAwait(false);
        if (exit != 0)
        {
            var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(5)) : "(no log)";
            throw new PostgresStartupException($"The private PostgreSQL in '{Directory}' did not start (pg_ctl exit {exit}). Its log ends with:\n{tail}");
        }

        _startedHere = true;
        await CreateDatabaseAsync(DatabaseName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates a database in this cluster if it does not exist (tests use one per test class).</summary>
    /// <summary>
    /// Makes this process stop the cluster at the end even though it found it running: for the server, which may
    /// find a cluster left behind by a crashed server. Call it only once nothing else can be using the cluster.
    /// </summary>
    public void TakeOwnership() => _startedHere = true;

    public async Task CreateDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", name);
        if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_startedHere)
        {
            return;
        }

        _startedHere = false;
        NpgsqlConnection.ClearAllPools();
        await RunAsync("pg_ctl", ["stop", "-w", "-m", "fast", "-D", Directory], throwOnError: false, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        _progress($"Creating a private PostgreSQL cluster in {Directory} (first run only).");
        System.IO.Directory.CreateDirectory(Directory);
        if (Posix.IsRoot)
        {
            await RunToolAsync("chown", ["postgres:postgres", Directory], throwOnError: true, cancellationToken).ConfigureAwait(false);
        }

        File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var exit = await RunAsync("initdb",
            ["-D", Directory, "-U", SuperUser, "--auth-local=trust", "--auth-host=reject", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"],
            throwOnError: false, cancellationToken).ConfigureAwait(false);
        if (exit != 0)
        {
            throw new PostgresStartupException(
                $"initdb failed in '{Directory}' (exit {exit}). " +
                (Posix.IsRoot ? "As root it runs as the 'postgres' user, which must be able to reach that directory: every parent needs o+x (a data directory under /root does not work; use the default /var/lib/analytics or another --data)." : string.Empty));
        }
    }

    /// <summary>Runs a PostgreSQL tool, as the postgres user when we are root.</summary>
    private Task<int> RunAsync(string tool, IReadOnlyList<string> arguments, bool throwOnError, CancellationToken cancellationToken)
    {
        var executable = Path.Combine(_binDirectory, tool);
        return Posix.IsRoot
            ? RunToolAsync("runuser", ["-u", "postgres", "--", executable, .. arguments], throwOnError, cancellationToken)
            : RunToolAsync(executable, arguments, throwOnError, cancellationToken);
    }

    private static async Task<int> RunToolAsync(string fileName, IReadOnlyList<string> arguments, bool throwOnError, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new PostgresStartupException($"{fileName} could not be started.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var error = (await stderr.ConfigureAwait(false)).Trim();
        _ = await stdout.ConfigureAwait(false);
        if (process.ExitCode != 0 && throwOnError)
        {
            throw new PostgresStartupException($"{fileName} {string.Join(' ', arguments)} failed (exit {process.ExitCode}): {error}");
        }

        if (process.ExitCode != 0 && error.Length > 0 && !arguments.Contains("status"))
        {
            Console.Error.WriteLine(error);
        }

        return process.ExitCode;
    }
}
