namespace Analytics.Ingest.Enrichment;

/// <summary>Where an address is, as far as the database knows (empty strings where it does not).</summary>
public sealed record GeoLocation(string CountryCode, string Region, string City)
{
    public static readonly GeoLocation Unknown = new(string.Empty, string.Empty, string.Empty);
}
