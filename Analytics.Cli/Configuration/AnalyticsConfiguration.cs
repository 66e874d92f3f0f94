using Analytics.Storage.Hosting;
using Microsoft.Extensions.Configuration;
using Analytics.ServiceDefaults;

namespace Analytics.Cli.Configuration;

/// <summary>
/// Settings come, later winning: built-in defaults, a JSON config file (<c>--config</c>, <c>ANALYTICS_CONFIG</c>, or
/// <c>analytics.json</c> in the data directory), environment variables (<c>ANALYTICS_SECTION__KEY</c> and the short
/// names below), then command-line flags.
/// </summary>
internal static class AnalyticsConfiguration
{
    /// <summary>Short environment variable names documented in the README, and the setting each one sets.</summary>
    public static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string>
    {
        ["ANALYTICS_DATA"] = "Data",
        ["ANALYTICS_CHDB_LIBRARY"] = "ClickHouse:LibraryPath",
        ["ANALYTICS_CLICKHOUSE_ENGINE"] = "ClickHouse:Engine",
        ["ANALYTICS_CLICKHOUSE_URL"] = "ClickHouse:ServerUrl",
        ["ANALYTICS_CLICKHOUSE_USER"] = "ClickHouse:User",
        ["ANALYTICS_CLICKHOUSE_PASSWORD"] = "ClickHouse:Password",
        ["ANALYTICS_CLICKHOUSE_DATABASE"] = "ClickHouse:Database",
        ["ANALYTICS_CLICKHOUSE_MAX_MEMORY_MB"] = "ClickHouse:MaxMemoryMb",
        ["ANALYTICS_POSTGRES"] = "Postgres:ConnectionString",
        ["ANALYTICS_POSTGRES_BIN"] = "Postgres:BinDirectory",
        ["ANALYTICS_GEOIP_DB"] = "Enrichment:GeoIpDatabase",
        ["ANALYTICS_TRUSTED_PROXIES"] = "Collect:TrustedProxies",
        ["ANALYTICS_METRICS_TOKEN"] = "Collect:MetricsToken",
        ["ANALYTICS_API_RATE_LIMIT"] = "Api:RateLimitPerMinute",
        ["ANALYTICS_SAMPLE_ABOVE"] = "Reports:SampleAbove",
        ["ANALYTICS_OPEN_SIGNUP"] = "Dashboard:OpenSignup",
        ["ANALYTICS_PUBLIC_URL"] = "Dashboard:PublicUrl",
        ["ANALYTICS_KEY_ENCRYPTION_KEY"] = "Dashboard:KeyEncryptionKey",
        ["ANALYTICS_SMTP_HOST"] = "Smtp:Host",
        ["ANALYTICS_SMTP_PORT"] = "Smtp:Port",
        ["ANALYTICS_SMTP_USER"] = "Smtp:User",
        ["ANALYTICS_SMTP_PASSWORD"] = "Smtp:Password",
        ["ANALYTICS_SMTP_FROM"] = "Smtp:From",
    };

    public static IConfigurationRoot Build(string? configFile, string? dataDirectory)
    {
        var environment = new Dictionary<string, string?>();
        foreach (var (variable, key) in Aliases)
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
            {
                environment[key] = value;
            }
        }

        var flags = new Dictionary<string, string?>();
        if (!string.IsNullOrWhiteSpace(dataDirectory))
        {
            flags["Data"] = dataDirectory;
        }

        // The data directory must be known before the file inside it can be read.
        var early = new ConfigurationBuilder()
            .AddEnvironmentVariables("ANALYTICS_")
            .AddInMemoryCollection(environment)
            .AddInMemoryCollection(flags)
            .Build();
        configFile ??= Environment.GetEnvironmentVariable("ANALYTICS_CONFIG");
        var explicitFile = !string.IsNullOrWhiteSpace(configFile);
        configFile = explicitFile ? Path.GetFullPath(configFile!) : Path.Combine(DataDirectory.Resolve(early["Data"]), "analytics.json");
        if (explicitFile && !File.Exists(configFile))
        {
            throw new OptionsException($"The config file '{configFile}' does not exist.");
        }

        try
        {
            return new ConfigurationBuilder()
                .AddJsonFile(configFile, optional: !explicitFile, reloadOnChange: false)
                .AddEnvironmentVariables("ANALYTICS_")
                .AddInMemoryCollection(environment)
                .AddInMemoryCollection(flags)
                .Build();
        }
        catch (InvalidDataException e)
        {
            throw new OptionsException($"The config file '{configFile}' is not valid JSON: {e.Message}");
        }
    }
}
