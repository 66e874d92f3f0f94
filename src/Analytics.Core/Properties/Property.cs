namespace Analytics.Properties;

/// <summary>A tracked website. <see cref="Timezone"/> is an IANA zone id: every date range of its reports is in it.</summary>
public sealed record Property(long Id, string Domain, string Name, string Timezone, DateTime CreatedAt);
