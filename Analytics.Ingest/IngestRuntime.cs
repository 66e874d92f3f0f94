using Analytics.Ingest.Enrichment;
using Microsoft.Extensions.Configuration;

namespace Analytics.Ingest;

/// <summary>
/// The enrichment data collect needs, loaded (and on first run fetched) before the server starts, so a missing or
/// corrupt file stops the start with a clear message instead of failing requests.
/// </summary>
public sealed class IngestRuntime(UserAgentParser userAgents, GeoLookup geo, ReferrerSources referrers, SpamReferrers spam)
{
    public UserAgentParser UserAgents { get; } = userAgents;

    public GeoLookup Geo { get; } = geo;

    public ReferrerSources Referrers { get; } = referrers;

    public SpamReferrers Spam { get; } = spam;

    /// <summary><c>Enrichment:GeoIpDatabase</c> (<c>ANALYTICS_GEOIP_DB</c>): any GeoIP2/GeoLite2 City or Country .mmdb. <c>Collect:SpamReferrers</c>: more spam hosts, comma-separated.</summary>
    public static async Task<IngestRuntime> LoadAsync(IConfiguration configuration, Action<string> progress, CancellationToken cancellationToken)
    {
        var userAgents = await UserAgentParser.LoadAsync(configuration["Enrichment:UserAgentRegexes"], progress, cancellationToken);
        var geo = await GeoLookup.OpenAsync(configuration["Enrichment:GeoIpDatabase"], progress, cancellationToken);
        var referrers = await ReferrerSources.LoadAsync(progress, cancellationToken);
        var spam = await SpamReferrers.LoadAsync(configuration["Collect:SpamReferrers"], progress, cancellationToken);
        return new IngestRuntime(userAgents, geo, referrers, spam);
    }
}
