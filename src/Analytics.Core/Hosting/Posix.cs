using System.Runtime.InteropServices;

namespace Analytics.Hosting;

/// <summary>Facts about the process that decide where data lives and how PostgreSQL is run.</summary>
public static class Posix
{
    /// <summary>Running as root (effective user 0): PostgreSQL must then run as the postgres user.</summary>
    public static bool IsRoot => geteuid() == 0;

    /// <summary>Sends SIGTERM, the signal docker and systemd stop a service with (.NET's Process.Kill sends SIGKILL). False if the process is gone.</summary>
    public static bool Terminate(int processId) => kill(processId, 15) == 0;

    [DllImport("libc")]
    private static extern uint geteuid();

    [DllImport("libc")]
    private static extern int kill(int pid, int signal);
}
