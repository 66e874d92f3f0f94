using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Analytics.Storage.Hosting;

/// <summary>Facts about the process that decide where data lives and how PostgreSQL is run, and the few system calls .NET does not offer.</summary>
public static class Posix
{
    /// <summary>Running as root (effective user 0): PostgreSQL must then run as the postgres user.</summary>
    public static bool IsRoot => geteuid() == 0;

    /// <summary>Sends SIGTERM, the signal docker and systemd stop a service with (.NET's Process.Kill sends SIGKILL). False if the process is gone.</summary>
    public static bool Terminate(int processId) => kill(processId, 15) == 0;

    /// <summary>
    /// Makes the entries of a directory durable (files created, renamed or deleted in it): fsync of a file covers its
    /// contents, not its name, so after a power loss a new file could be missing or a deleted one back.
    /// </summary>
    public static void SyncDirectory(string directory) => WithDescriptor(directory, fsync, "fsync");

    /// <summary>
    /// Writes a file's data to disk, and its metadata only where reading the data needs it (fdatasync; fsync where
    /// there is none): an overwrite inside the file's size then needs no journal commit.
    /// </summary>
    public static void SyncData(SafeFileHandle file)
    {
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            var descriptor = (int)file.DangerousGetHandle();
            if ((OperatingSystem.IsLinux() ? fdatasync(descriptor) : fsync(descriptor)) != 0)
            {
                throw new IOException($"fdatasync failed: {Marshal.GetLastPInvokeErrorMessage()}");
            }
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>Writes everything cached for the file system that holds <paramref name="path"/> to disk (syncfs; sync where there is none).</summary>
    public static void SyncFileSystem(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            WithDescriptor(path, syncfs, "syncfs");
        }
        else
        {
            sync();
        }
    }

    /// <summary>Raises the calling thread's nice value by <paramref name="by"/> (lowers its CPU priority; any user may); threads it starts inherit it.</summary>
    public static void LowerThreadPriority(int by)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = setpriority(0 /* PRIO_PROCESS: with a thread id, that thread */, gettid(), getpriority(0, 0) + by);
        }
    }

    /// <summary>Files and directories this process creates from now on are its user's alone (umask 077: 0600 and 0700).</summary>
    public static void RestrictNewFiles() => _ = umask(0b000_111_111);

    private static void WithDescriptor(string path, Func<int, int> call, string name)
    {
        var descriptor = open(path, 0 /* O_RDONLY: enough to fsync a directory */);
        if (descriptor < 0)
        {
            throw new IOException($"Could not open {path} to {name} it: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        try
        {
            if (call(descriptor) != 0)
            {
                throw new IOException($"{name} of {path} failed: {Marshal.GetLastPInvokeErrorMessage()}");
            }
        }
        finally
        {
            _ = close(descriptor); // read-only: nothing is lost if it fails
        }
    }

    [DllImport("libc")]
    private static extern uint geteuid();

    [DllImport("libc")]
    private static extern uint umask(uint mask);

    [DllImport("libc")]
    private static extern int kill(int pid, int signal);

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int descriptor);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int descriptor);

    [DllImport("libc", SetLastError = true)]
    private static extern int fdatasync(int descriptor);

    [DllImport("libc", SetLastError = true)]
    private static extern int syncfs(int descriptor);

    [DllImport("libc")]
    private static extern void sync();

    [DllImport("libc")]
    private static extern int gettid();

    [DllImport("libc")]
    private static extern int getpriority(int which, int who);

    [DllImport("libc")]
    private static extern int setpriority(int which, int who, int priority);
}
