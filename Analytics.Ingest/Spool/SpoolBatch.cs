namespace Analytics.Ingest.Spool;

/// <summary>Sealed segments inserted as one, under one deduplication token, fixed on disk by <see cref="Manifest"/>.</summary>
internal sealed record SpoolBatch(string Manifest, string Token, IReadOnlyList<string> Segments);
