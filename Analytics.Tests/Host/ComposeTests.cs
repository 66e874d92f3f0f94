using System.Diagnostics;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Host;

public sealed class ComposeTests
{
    private const string Key = "0123456789abcdef0123456789abcdef0123456789A=";

    [Fact]
    public async Task ComposeFile_IsValidForDockerCompose_AndRequiresBothPasswordsAndTheKeyEncryptionKey()
    {
        var (exit, errors) = await ConfigAsync(("CLICKHOUSE_PASSWORD", "s3cret-one"), ("POSTGRES_PASSWORD", "s3cret-two"), ("ANALYTICS_KEY_ENCRYPTION_KEY", Key));
        Assert.True(exit == 0, errors);

        (exit, errors) = await ConfigAsync(("CLICKHOUSE_PASSWORD", "s3cret-one"), ("POSTGRES_PASSWORD", "s3cret-two"));
        Assert.NotEqual(0, exit);
        Assert.Contains("set ANALYTICS_KEY_ENCRYPTION_KEY", errors, StringComparison.Ordinal);

        (exit, errors) = await ConfigAsync(("POSTGRES_PASSWORD", "s3cret-two"), ("ANALYTICS_KEY_ENCRYPTION_KEY", Key));
        Assert.NotEqual(0, exit);
        Assert.Contains("set CLICKHOUSE_PASSWORD", errors, StringComparison.Ordinal);
        (exit, errors) = await ConfigAsync(("CLICKHOUSE_PASSWORD", "s3cret-one"), ("ANALYTICS_KEY_ENCRYPTION_KEY", Key));
        Assert.NotEqual(0, exit);
        Assert.Contains("set POSTGRES_PASSWORD", errors, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Errors)> ConfigAsync(params (string Name, string Value)[] environment)
    {
        var root = Repository.Root;
        var start = new ProcessStartInfo("docker-compose", ["-f", Path.Combine(root, "compose.yaml"), "config", "-q"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = root,
        };
        start.Environment.Remove("CLICKHOUSE_PASSWORD");
        start.Environment.Remove("POSTGRES_PASSWORD");
        start.Environment.Remove("ANALYTICS_KEY_ENCRYPTION_KEY");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, errors);
    }
}
