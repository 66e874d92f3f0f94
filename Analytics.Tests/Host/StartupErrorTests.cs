using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Host;

/// <summary>What a user sees when the machine or the settings are wrong: one line naming the problem, a non-zero exit.</summary>
public sealed class StartupErrorTests(Engines engines)
{
    [Fact]
    public async Task MissingPostgresBinaries_AreNamedWithTheWayOut()
    {
        var start = AnalyticsProcess.StartInfo(Path.Combine(engines.Root, "no-pg"), "properties", "list");
        start.Environment["ANALYTICS_POSTGRES_BIN"] = "/nonexistent/postgresql/bin";

        var (exit, stderr) = await RunAsync(start);

        Assert.Equal(1, exit);
        Assert.Contains("PostgreSQL server binaries were not found in '/nonexistent/postgresql/bin'", stderr, StringComparison.Ordinal);
        Assert.Contains("ANALYTICS_POSTGRES", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddressInUse_IsNamedAndExitsNonZero()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var data = Path.Combine(engines.Root, $"busy-{Guid.NewGuid():N}"[..20]);
        var start = AnalyticsProcess.StartInfo(data, "serve", "--urls", $"http://127.0.0.1:{port}");
        start.Environment["ANALYTICS_CHDB_LIBRARY"] = engines.LibraryPath;

        var (exit, stderr) = await RunAsync(start);

        Assert.Equal(1, exit);
        Assert.Contains($"Cannot listen on http://127.0.0.1:{port}: the address is already in use", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(data, "postgres", "postmaster.pid")), "the private PostgreSQL was left running");
    }

    [Theory]
    [InlineData("ANALYTICS_CLICKHOUSE_MAX_MEMORY_MB", "12", "ClickHouse:MaxMemoryMb")]
    [InlineData("ANALYTICS_CLICKHOUSE_DATABASE", "bad-name;", "ClickHouse:Database")]
    [InlineData("ANALYTICS_CLICKHOUSE_ENGINE", "Cloud", "ClickHouse:Engine")]
    public async Task BadSetting_IsNamed(string variable, string value, string named)
    {
        var start = AnalyticsProcess.StartInfo(Path.Combine(engines.Root, "bad-setting"), "migrate");
        start.Environment[variable] = value;

        var (exit, stderr) = await RunAsync(start);

        Assert.Equal(1, exit);
        Assert.Contains(named, stderr, StringComparison.Ordinal);
    }

    /// <summary>Each role's settings are bound and validated as the server starts: a bad one stops it with a line naming it.</summary>
    [Theory]
    [InlineData("ANALYTICS_API_RATE_LIMIT", "0", "Api:RateLimitPerMinute must be at least 1")]
    [InlineData("ANALYTICS_SAMPLE_ABOVE", "-5", "Reports:SampleAbove must be 0 (never sample) or a number of events")]
    [InlineData("ANALYTICS_SPOOL__SEALAFTERMS", "5", "Spool:SealAfterMs must be between 10 and 60000")]
    [InlineData("ANALYTICS_SPOOL__MAXBYTES", "lots", "Spool:MaxBytes")]
    [InlineData("ANALYTICS_SMTP_PORT", "0", "Smtp:Port must be between 1 and 65535")]
    [InlineData("ANALYTICS_SCHEDULER__INTERVALSECONDS", "0", "Scheduler:IntervalSeconds must be between 1 and 3600")]
    [InlineData("ANALYTICS_KEY_ENCRYPTION_KEY", "c2hvcnQ=", "Dashboard:KeyEncryptionKey (ANALYTICS_KEY_ENCRYPTION_KEY) must be 32 bytes in base64")]
    public async Task BadRoleSetting_StopsTheServerNamingIt(string variable, string value, string named)
    {
        var start = AnalyticsProcess.StartInfo(Path.Combine(engines.Root, "bad-role-setting"), "serve", "--urls", $"http://127.0.0.1:{AnalyticsProcess.FreePort()}");
        start.Environment["ANALYTICS_CHDB_LIBRARY"] = engines.LibraryPath;
        start.Environment[variable] = value;

        var (exit, stderr, stdout) = await RunWithOutputAsync(start);

        Assert.Equal(1, exit);
        Assert.DoesNotContain("Hosting failed to start", stdout, StringComparison.Ordinal); // refused before the host starts
        Assert.Contains("error: ", stderr, StringComparison.Ordinal);
        Assert.Contains(named, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal); // one line, not a stack trace
    }

    private static async Task<(int Exit, string Stderr)> RunAsync(ProcessStartInfo start)
    {
        var (exit, stderr, _) = await RunWithOutputAsync(start);
        return (exit, stderr);
    }

    private static async Task<(int Exit, string Stderr, string Stdout)> RunWithOutputAsync(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stderr, await stdout);
    }
}
