namespace Analytics.Ingest.Spool;

/// <summary>The spool cannot take more now (size cap or disk nearly full); the caller answers 503 with Retry-After.</summary>
internal sealed class SpoolFullException(string message) : Exception(message);
