namespace Analytics.Storage.Hosting;

/// <summary>
/// Where a single node keeps its state: <c>clickhouse/</c> (embedded engine), <c>postgres/</c> (private cluster),
/// later the spool. <c>--data</c> or <c>ANALYTICS_DATA</c>; by default <c>/var/lib/analytics</c> for root (the private
/// PostgreSQL runs as the postgres user, who cannot enter /root) and <c>$XDG_DATA_HOME/analytics</c> otherwise.
/// </summary>
public static class DataDirectory
{
    public const string ConfigKey = "Data";

    /// <summary>
    /// Creates the directory if needed and keeps it private: 0700, or 0711 as root, where the private PostgreSQL runs as
    /// the postgres user and must pass through to its own 0700 cluster directory (it still cannot list or read the rest).
    /// New files of this process are its user's alone from then on (<see cref="Posix.RestrictNewFiles"/>).
    /// </summary>
    public static void Ensure(string path)
    {
        Posix.RestrictNewFiles();
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
        {
            var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | (Posix.IsRoot ? UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : UnixFileMode.None);
            try
            {
                File.SetUnixFileMode(path, mode);
            }
            catch (UnauthorizedAccessException)
            {
                // Another user's directory that we may write to: its owner decides its mode.
            }
        }
    }

    public static string Resolve(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        if (Posix.IsRoot)
        {
            return "/var/lib/analytics";
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : xdg;
        return Path.Combine(root, "analytics");
    }
}
