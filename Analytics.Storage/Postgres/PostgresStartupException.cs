namespace Analytics.Storage.Postgres;

/// <summary>PostgreSQL could not be reached or started; the message says why and what to do.</summary>
public sealed class PostgresStartupException(string message) : Exception(message);
