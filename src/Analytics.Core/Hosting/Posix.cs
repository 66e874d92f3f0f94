using System.Runtime.InteropServices;

namespace Analytics.Hosting;

/// <summary>Facts about the process that decide where data lives and how PostgreSQL is run.</summary>
public static class Posix
{
    /// <summary>Running as root (effective user 0): PostgreSQL must then run as the postgres user.</summary>
    public static bool IsRoot => geteuid() == 0;

    [DllImport("libc")]
    private static extern uint geteuid();
}
