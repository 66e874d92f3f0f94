using System.Text.Json;
using Analytics.Storage.Hosting;

namespace Analytics.Ingest.Enrichment;

/// <summary>
/// Referrer spam: hosts that send fake visits to get their name into analytics reports. The list is Matomo's
/// community-maintained one, as packaged (MIT) in the npm package <c>express-spam-referral-blocker</c>
/// (<c>lib/piwik.spam.json</c>), plus the hosts of <c>Collect:SpamReferrers</c>. A referrer matches on its host or any
/// parent domain; such events are dropped and counted, never stored.
/// </summary>
public sealed class SpamReferrers
{
    public const string Package = "express-spam-referral-blocker";
    public const string Version = "1.2.1";

    private readonly HashSet<string> _hosts;

    internal SpamReferrers(IEnumerable<string> hosts)
        => _hosts = hosts.Select(h => h.Trim().TrimEnd('.')).Where(h => h.Length > 0).ToHashSet(StringComparer.OrdinalIgnoreCase);

    public int Count => _hosts.Count;

    /// <param name="extra">More hosts, comma-separated (<c>Collect:SpamReferrers</c>).</param>
    public static async Task<SpamReferrers> LoadAsync(string? extra, Action<string> progress, CancellationToken cancellationToken)
        => Load(await NpmPackages.EnsureFileAsync("spam-referrers", Package, Version, "lib/piwik.spam.json", null, progress, cancellationToken), extra);

    public static SpamReferrers Load(string path, string? extra)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream);
            var listed = document.RootElement.GetProperty("spamReferrers").EnumerateArray().Select(h => h.GetString() ?? string.Empty);
            return new SpamReferrers(listed.Concat((extra ?? string.Empty).Split(',')));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            throw new EnrichmentDataException($"The referrer spam list '{path}' could not be read: {e.Message}. Delete it to fetch it again.");
        }
    }

    /// <summary>True when the referrer's host, or a domain it belongs to, is a known spammer.</summary>
    public bool IsSpam(Uri? referrer)
    {
        if (referrer is null || !referrer.IsAbsoluteUri)
        {
            return false;
        }

        var host = referrer.IdnHost.TrimEnd('.');
        while (true)
        {
            if (_hosts.Contains(host))
            {
                return true;
            }

            var dot = host.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                return false;
            }

            host = host[(dot + 1)..];
        }
    }
}
