using System.Diagnostics;

namespace Analytics.Tests.Host;

public sealed class ComposeTests
{
    [Fact]
    public async Task ComposeFile_IsValidForDockerCompose()
    {
        var root = FindRepositoryRoot();
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

    internal static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Analytics.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("Analytics.sln not found above the test binaries.");
    }
}
