namespace Analytics.Storage.Postgres;

/// <summary>Settings of section <c>Postgres</c>. Without a connection string the product runs a private cluster.</summary>
public sealed class PostgresOptions
{
    public const string Section = "Postgres";

    /// <summary>An existing server (Npgsql connection string). Unset: a private cluster under the data directory.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Where initdb, pg_ctl and postgres are, for the private cluster.</summary>
    public string BinDirectory { get; set; } = "/usr/lib/postgresql/15/bin";
}
