using Analytics.Storage.Hosting;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Host;

/// <summary>The system calls the spool and the embedded engine rely on for durability across a power loss.</summary>
public sealed class PosixTests(Engines engines)
{
    [Fact]
    public void SyncDirectoryAndFileSystem_OnADirectory_Succeed()
    {
        Posix.SyncDirectory(engines.Root);
        Posix.SyncFileSystem(engines.Root);
    }

    [Fact]
    public void SyncDirectoryAndFileSystem_OnAMissingPath_FailNamingIt()
    {
        var missing = Path.Combine(engines.Root, "missing-" + Guid.NewGuid().ToString("N"));
        var directory = Assert.Throws<IOException>(() => Posix.SyncDirectory(missing));
        Assert.Contains(missing, directory.Message, StringComparison.Ordinal);
        Assert.Contains("No such file or directory", directory.Message, StringComparison.Ordinal);
        var fileSystem = Assert.Throws<IOException>(() => Posix.SyncFileSystem(missing));
        Assert.Contains(missing, fileSystem.Message, StringComparison.Ordinal);
    }
}
