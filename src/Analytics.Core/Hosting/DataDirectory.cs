namespace Analytics.Hosting;

/// <summary>
/// Where a single node keeps its state: <c>clickhouse/</c> (embedded engine), <c>postgres/</c> (private cluster),
/// later the spool. <c>--data</c> or <c>ANALYTICS_DATA</c>; by default <c>/var/lib/analytics</c> for root (the private
/// PostgreSQL runs as the postgres user, who cannot enter /root) and <c>$XDG_DATA_HOME/analytics</c> otherwise.
/// </summary>
public static class DataDirectory
{
    public const string ConfigKey = "Data";

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
