namespace Analytics.Ingest.Enrichment;

/// <summary>An enrichment data file (user-agent rules, a GeoIP database) is missing or broken; raised at start, never mid-request.</summary>
public sealed class EnrichmentDataException(string message) : Exception(message);
