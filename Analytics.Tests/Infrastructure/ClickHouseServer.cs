using System.Diagnostics;
using System.Net.Http;
using Analytics.Tests.Host;

namespace Analytics.Tests.Infrastructure;

/// <summary>
/// A real ClickHouse server for the HTTP engine's protocol tests: Debian's clickhouse-server (18.16, the only one
/// installable here) on loopback ports, in a temp directory, with a password-protected user.
/// </summary>
public sealed class ClickHouseServer : IAsyncLifetime
{
    public const string User = "analytics";
    public const string Password = "s3cret-for-tests";

    private readonly string _root = Path.Combine(Path.GetTempPath(), $"analytics-chserver-{Guid.NewGuid():N}");
    private Process? _process;

    public Uri Endpoint { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        var httpPort = AnalyticsProcess.FreePort();
        var tcpPort = AnalyticsProcess.FreePort();
        await File.WriteAllTextAsync(Path.Combine(_root, "config.xml"), $"""
            <?xml version="1.0"?>
            <yandex>
                <logger><level>warning</level><console>1</console></logger>
                <http_port>{httpPort}</http_port>
                <tcp_port>{tcpPort}</tcp_port>
                <listen_host>127.0.0.1</listen_host>
                <path>{_root}/data/</path>
                <tmp_path>{_root}/tmp/</tmp_path>
                <user_files_path>{_root}/user_files/</user_files_path>
                <format_schema_path>{_root}/format_schemas/</format_schema_path>
                <users_config>users.xml</users_config>
                <default_profile>default</default_profile>
                <default_database>default</default_database>
                <mark_cache_size>67108864</mark_cache_size>
            </yandex>
            """);
        await File.WriteAllTextAsync(Path.Combine(_root, "users.xml"), $"""
            <?xml version="1.0"?>
            <yandex>
                <profiles><default><max_memory_usage>1000000000</max_memory_usage></default></profiles>
                <users>
                    <default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default>
                    <{User}><password>{Password}</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></{User}>
                </users>
                <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
            </yandex>
            """);

        var start = new ProcessStartInfo("clickhouse-server", [$"--config-file={_root}/config.xml"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _root,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("clickhouse-server did not start (apt-get install clickhouse-server).");
        var output = AnalyticsProcess.Capture(_process);
        Endpoint = new Uri($"http://127.0.0.1:{httpPort}/");

        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"clickhouse-server exited with {_process.ExitCode}:\n{output}");
            }

            try
            {
                if ((await http.GetStringAsync(new Uri(Endpoint, "ping"))).StartsWith("Ok", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"clickhouse-server did not answer /ping:\n{output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
