using System.Diagnostics;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Host;

public sealed class ComposeTests
{
    [Fact]
    public async Task ComposeFile_IsValidForDockerCompose()
    {
        var root = Repository.Root;
        var start = new ProcessStartInfo("docker-compose", ["-f", Path.Combine(root, "compose.yaml"), "config", "-q"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = root,
        };
        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, errors);
    }
}
