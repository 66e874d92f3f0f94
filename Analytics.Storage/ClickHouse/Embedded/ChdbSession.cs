using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Analytics.Storage.ClickHouse.Embedded;

/// <summary>
/// The process's one chDB session. chDB allows one data path per process and runs one statement at a time, so the
/// session is shared (reference-counted) by everything in the process and every call passes through one gate.
/// </summary>
// The gate lives exactly as long as the process's session; there is nothing to dispose it before.
#pragma warning disable CA1001
internal sealed class ChdbSession
#pragma warning restore CA1001
{
    private static readonly Lock Registry = new();
    private static ChdbSession? s_open;
    private static bool s_shutDown;

    private readonly ChdbNative _native;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private nint _connection; // chdb_connection*: the address of chDB's connection handle
    private string? _currentDatabase;
    private int _references;

    private ChdbSession(ChdbNative native, nint connection, string dataPath)
    {
        _native = native;
        _connection = connection;
        DataPath = dataPath;
    }

    public string DataPath { get; }

    /// <summary>Opens the session (first caller) or joins it (later callers, same data path). Pair with <see cref="Release"/>.</summary>
    /// <param name="progress">Told of deduplication records a killed process left and the opening dropped (<see cref="DeduplicationLogRepair"/>).</param>
    public static unsafe ChdbSession Acquire(ChdbSessionOptions options, Action<string> progress)
    {
        var dataPath = Path.GetFullPath(options.DataPath);
        lock (Registry)
        {
            if (s_open is not null)
            {
                if (s_open.DataPath != dataPath)
                {
                    throw new ClickHouseException(
                        $"The embedded ClickHouse is already open on '{s_open.DataPath}'; one process can use one data directory, not also '{dataPath}'.");
                }

                s_open._references++;
                return s_open;
            }

            if (s_shutDown)
            {
                throw new ClickHouseException("The embedded ClickHouse was shut down and cannot be reopened in the same process.");
            }

            Directory.CreateDirectory(dataPath);
            foreach (var message in DeduplicationLogRepair.Run(dataPath))
            {
                progress(message);
            }

            var native = ChdbNative.Load(options.LibraryPath);
            var connection = EngineThread.Instance.Run(() => SignalHandlers.Preserve(() =>
            {
                // Disabling also resets chDB's handlers to SIG_DFL; Preserve then puts the runtime's back.
                native.SetSignalHandlersEnabled(0);
                return (nint)Connect(native, dataPath, options);
            }));
            s_open = new ChdbSession(native, connection, dataPath) { _references = 1 };
            return s_open;
        }
    }

    /// <summary>Leaves the session; the last one out closes it and stops chDB's threads.</summary>
    public unsafe void Release()
    {
        lock (Registry)
        {
            if (--_references > 0)
            {
                return;
            }

            _gate.Wait();
            try
            {
                if (_connection != 0)
                {
                    EngineThread.Instance.Run(() =>
                    {
                        _native.CloseConnection((nint*)_connection);
                        _native.Shutdown();
                        return 0;
                    });
                    _connection = 0;
                }
            }
            finally
            {
                _gate.Release();
            }

            s_open = null;
            s_shutDown = true;
        }
    }

    public async Task<byte[]> RunAsync(string database, ClickHouseCommand command, CancellationToken cancellationToken)
    {
        var sql = BuildSql(command);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // From here to the finally nothing may leave the gate held: every path releases it.
            if (_connection == 0)
            {
                throw new ClickHouseException("The embedded ClickHouse session is closed.");
            }

            return await EngineThread.Instance.RunAsync(() =>
            {
                if (_currentDatabase != database)
                {
                    Execute(Encoding.UTF8.GetBytes($"USE {database}"), "TabSeparated", []);
                    _currentDatabase = database;
                }

                return Execute(sql, command.Format ?? "TabSeparated", command.Parameters);
            }).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static unsafe nint* Connect(ChdbNative native, string dataPath, ChdbSessionOptions options)
    {
        string[] args =
        [
            "clickhouse",
            $"--path={dataPath}",
            $"--max_server_memory_usage={options.MaxServerMemoryBytes.ToString(CultureInfo.InvariantCulture)}",

            // ClickHouse runs a query on one thread while less than max_threads times this is free under the memory
            // limit (default 1 GiB a thread): at our default limit of 2 GiB that is always, so every query read on one
            // core (measured: a 12-month scan took as long with max_threads=1 as with 2). An eighth of the limit a
            // thread keeps the guard against starting wide queries under memory pressure.
            $"--max_threads_min_free_memory_per_thread={(options.MaxServerMemoryBytes / 8).ToString(CultureInfo.InvariantCulture)}",

            // Every time we send or read is UTC. Without this, a zone-less DateTime parameter is read in the machine's
            // zone (measured: time series shifted on a machine set to America/New_York).
            "--session_timezone=UTC",
        ];
        var argv = stackalloc byte*[args.Length];
        for (var i = 0; i < args.Length; i++)
        {
            argv[i] = (byte*)Marshal.StringToCoTaskMemUTF8(args[i]);
        }

        try
        {
            // Asked first, so that chDB's own "Cannot lock file" error is never printed for a case we explain ourselves.
            if (IsLockedByAnotherProcess(dataPath))
            {
                throw InUse(dataPath);
            }

            var connection = native.Connect(args.Length, argv);
            if (connection is null || *connection == 0)
            {
                throw IsLockedByAnotherProcess(dataPath) ? InUse(dataPath) : new ClickHouseException($"The embedded ClickHouse could not open '{dataPath}'; see the lines chDB printed above.");
            }

            return connection;
        }
        finally
        {
            for (var i = 0; i < args.Length; i++)
            {
                Marshal.FreeCoTaskMem((nint)argv[i]);
            }
        }
    }

    private static ClickHouseException InUse(string dataPath) => new(ClickHouseException.DataDirectoryInUse,
        $"The ClickHouse data directory '{dataPath}' is in use by another process (is the analytics server already running?). Stop it, or use another data directory.", null);

    private static bool IsLockedByAnotherProcess(string dataPath)
    {
        var status = Path.Combine(dataPath, "status");
        if (!File.Exists(status))
        {
            return false;
        }

        try
        {
            // ClickHouse holds an exclusive flock on <path>/status; FileShare.None takes the same kind of lock.
            using var probe = new FileStream(status, FileMode.Open, FileAccess.Read, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private unsafe byte[] Execute(byte[] sql, string format, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        var strings = new List<string>(1 + (parameters.Count * 2)) { format };
        foreach (var (name, value) in parameters)
        {
            strings.Add(name);
            strings.Add(value);
        }

        // All strings in one pinned buffer; offsets and lengths point into it.
        var lengths = new nuint[strings.Count];
        var offsets = new int[strings.Count];
        var total = 0;
        for (var i = 0; i < strings.Count; i++)
        {
            offsets[i] = total;
            var length = Encoding.UTF8.GetByteCount(strings[i]);
            lengths[i] = (nuint)length;
            total += length + 1;
        }

        var buffer = new byte[total];
        for (var i = 0; i < strings.Count; i++)
        {
            Encoding.UTF8.GetBytes(strings[i], buffer.AsSpan(offsets[i]));
        }

        const int First = 1; // strings[0] is the format; names and values alternate after it
        var count = parameters.Count;
        var names = stackalloc byte*[Math.Max(count, 1)];
        var values = stackalloc byte*[Math.Max(count, 1)];
        var nameLengths = stackalloc nuint[Math.Max(count, 1)];
        var valueLengths = stackalloc nuint[Math.Max(count, 1)];
        nint result;
        fixed (byte* start = buffer)
        fixed (byte* query = sql)
        {
            for (var i = 0; i < count; i++)
            {
                names[i] = start + offsets[First + (2 * i)];
                nameLengths[i] = lengths[First + (2 * i)];
                values[i] = start + offsets[First + 1 + (2 * i)];
                valueLengths[i] = lengths[First + 1 + (2 * i)];
            }

            result = _native.QueryWithParams(*(nint*)_connection, query, (nuint)sql.Length, start, lengths[0], names, nameLengths, values, valueLengths, (nuint)count);
        }

        if (result == 0)
        {
            throw new ClickHouseException(0, "chDB returned no result (the session may have been closed).", Describe(sql));
        }

        try
        {
            var error = _native.ResultError(result);
            if (error is not null)
            {
                throw ClickHouseException.FromServerText(Marshal.PtrToStringUTF8((nint)error) ?? "unknown error", Describe(sql));
            }

            // A statement that returns nothing (DDL, INSERT) has a null buffer.
            var data = _native.ResultBuffer(result);
            var length = (int)_native.ResultLength(result);
            return data is null || length == 0 ? [] : new ReadOnlySpan<byte>(data, length).ToArray();
        }
        finally
        {
            _native.DestroyResult(result);
        }
    }

    /// <summary>The statement as text for an error, without the rows of an insert.</summary>
    private static string Describe(byte[] sql)
    {
        var text = Encoding.UTF8.GetString(sql, 0, Math.Min(sql.Length, 4096));
        var formatAt = text.IndexOf(" FORMAT ", StringComparison.Ordinal);
        return formatAt > 0 && text.StartsWith("INSERT", StringComparison.Ordinal) ? text[..formatAt] : text;
    }

    private static byte[] BuildSql(ClickHouseCommand command)
    {
        var settings = command.Settings is { Count: > 0 }
            ? "\nSETTINGS " + string.Join(", ", command.Settings.Select(s =>
            {
                ClickHouseIdentifiers.EnsureValid(s.Key, "a setting name");
                return $"{s.Key} = '{s.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}'";
            }))
            : string.Empty;
        if (command.Data is not { } data)
        {
            return Encoding.UTF8.GetBytes(command.Sql + settings);
        }

        // An insert carries its rows inline after the FORMAT clause, as clickhouse-local reads them.
        var head = Encoding.UTF8.GetBytes(command.Sql + settings + $" FORMAT {command.Format}\n");
        var statement = new byte[head.Length + data.Length];
        head.CopyTo(statement, 0);
        data.Span.CopyTo(statement.AsSpan(head.Length));
        return statement;
    }
}
