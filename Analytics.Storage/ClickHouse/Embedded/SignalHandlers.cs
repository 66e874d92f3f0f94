using System.Runtime.InteropServices;

namespace Analytics.Storage.ClickHouse.Embedded;

/// <summary>
/// chDB installs handlers for the deadly signals. The .NET runtime turns SIGSEGV from a null dereference into a
/// <see cref="NullReferenceException"/>; with chDB's handler in place the process dies instead (exit 139).
/// So the runtime's handlers are saved before chDB starts and put back afterwards (DESIGN.md, "Signals").
/// </summary>
internal static class SignalHandlers
{
    // x86_64 Linux numbers: SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGTSTP, SIGSYS.
    private static readonly int[] Preserved = [4, 5, 6, 7, 8, 11, 20, 31];

    // struct sigaction is 152 bytes on x86_64 glibc; 256 leaves room on every libc we may meet.
    private const int SigactionSize = 256;

    [DllImport("libc", EntryPoint = "sigaction", SetLastError = true)]
    private static extern int Sigaction(int signal, nint action, nint oldAction);

    /// <summary>Runs <paramref name="start"/> (which lets chDB install handlers) and restores the runtime's handlers after it.</summary>
    public static T Preserve<T>(Func<T> start)
    {
        var saved = new nint[Preserved.Length];
        try
        {
            for (var i = 0; i < Preserved.Length; i++)
            {
                saved[i] = Marshal.AllocHGlobal(SigactionSize);
                if (Sigaction(Preserved[i], 0, saved[i]) != 0)
                {
                    throw new ClickHouseException($"sigaction({Preserved[i]}) failed with errno {Marshal.GetLastPInvokeError()}.");
                }
            }

            var result = start();
            for (var i = 0; i < Preserved.Length; i++)
            {
                if (Sigaction(Preserved[i], saved[i], 0) != 0)
                {
                    throw new ClickHouseException($"Restoring the handler of signal {Preserved[i]} failed with errno {Marshal.GetLastPInvokeError()}.");
                }
            }

            return result;
        }
        finally
        {
            foreach (var buffer in saved)
            {
                if (buffer != 0)
                {
                    Marshal.FreeHGlobal(buffer);
                }
            }
        }
    }
}
