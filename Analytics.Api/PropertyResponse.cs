using Analytics.Storage.Properties;

namespace Analytics.Api;

/// <summary>A property as the API shows it: its settings, each once, in plain JSON types.</summary>
/// <param name="WeekStart">The first day of a reporting week, ISO: 1 = Monday ... 7 = Sunday.</param>
/// <param name="AllowedHostnames">Hostnames whose events are kept; empty: any.</param>
/// <param name="RetentionDays">How long events are kept; null: for ever.</param>
/// <param name="ExcludedIps">Shields: addresses and CIDR ranges whose events are dropped.</param>
/// <param name="ExcludedPages">Shields: page patterns whose events are dropped (* within a segment, ** across).</param>
/// <param name="ExcludedCountries">Shields: ISO country codes whose events are dropped.</param>
internal sealed record PropertyResponse(long Id, string Domain, string Name, string Timezone, DateTime CreatedAt, short WeekStart,
    IReadOnlyList<string> AllowedHostnames, int? RetentionDays, bool HonorDoNotTrack,
    IReadOnlyList<string> ExcludedIps, IReadOnlyList<string> ExcludedPages, IReadOnlyList<string> ExcludedCountries)
{
    public static PropertyResponse From(Property property) => new(property.Id, property.Domain, property.Name, property.Timezone,
        property.CreatedAt, property.WeekStart, property.AllowedHostnames, property.RetentionDays, property.HonorDoNotTrack,
        property.Shields.Addresses, property.Shields.Pages, property.Shields.Countries);
}
