using Analytics.Storage.Hosting;

namespace Analytics.Cli.Serving;

/// <summary>The roles one process serves; all three by default, a subset in the split deployment.</summary>
internal sealed record ServerRoles(bool Ingest, bool Api, bool Dashboard)
{
    public bool NeedsClickHouse => Ingest || Api || Dashboard;

    public static ServerRoles Parse(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => p.ToLowerInvariant()).ToList();
        if (parts.Count == 0 || parts.Contains("all"))
        {
            return new ServerRoles(true, true, true);
        }

        var unknown = parts.Except(["ingest", "api", "dashboard"]).ToList();
        if (unknown.Count > 0)
        {
            throw new FieldValidationException("--roles", $"unknown role(s) {string.Join(", ", unknown)}; use all, or a comma list of ingest, api, dashboard.");
        }

        return new ServerRoles(parts.Contains("ingest"), parts.Contains("api"), parts.Contains("dashboard"));
    }

    public override string ToString()
        => Ingest && Api && Dashboard ? "all" : string.Join(",", new[] { Ingest ? "ingest" : null, Api ? "api" : null, Dashboard ? "dashboard" : null }.OfType<string>());
}
