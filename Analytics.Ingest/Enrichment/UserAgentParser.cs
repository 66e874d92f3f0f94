using System.Text;
using System.Text.RegularExpressions;
using Analytics.Storage.Hosting;
using Microsoft.Extensions.Caching.Memory;

namespace Analytics.Ingest.Enrichment;

/// <summary>
/// Parses user-agent strings with uap-core's rules, following its specification: each list is tried in order and the
/// first match wins; a replacement may insert groups with <c>$1</c>..<c>$9</c>; without one, groups are taken in order;
/// results are trimmed and empty ones are unknown; no match gives family "Other". Results are kept in a bounded cache
/// because a site's visitors share a few hundred user agents.
/// </summary>
public sealed class UserAgentParser : IDisposable
{
    public const int CacheSize = 10_000;

    private readonly UserAgentRules _rules;
    private readonly BotDetector? _bots;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = CacheSize });

    internal UserAgentParser(UserAgentRules rules, BotDetector? bots)
    {
        _rules = rules;
        _bots = bots;
    }

    /// <summary>uap-core's rules (configured, or fetched into the cache on first use) and the crawler list.</summary>
    public static async Task<UserAgentParser> LoadAsync(string? configuredRegexes, Action<string> progress, CancellationToken cancellationToken)
    {
        var regexes = string.IsNullOrWhiteSpace(configuredRegexes)
            ? await NpmPackages.EnsureFileAsync("uap-core", UserAgentRules.Package, UserAgentRules.Version, "regexes.yaml", null, progress, cancellationToken)
            : configuredRegexes;
        return new UserAgentParser(UserAgentRules.Load(regexes), await BotDetector.LoadAsync(progress, cancellationToken));
    }

    public UserAgent Parse(string? userAgent)
    {
        userAgent ??= string.Empty;
        if (userAgent.Length > 1024)
        {
            userAgent = userAgent[..1024]; // nothing useful lies past this, and it bounds the regex work
        }

        if (_cache.TryGetValue(userAgent, out UserAgent? cached))
        {
            return cached!;
        }

        var timedOut = false;
        var agent = ParseAgent(userAgent, ref timedOut);
        var os = ParseSystem(userAgent, ref timedOut);
        var device = ParseDevice(userAgent, ref timedOut);
        var isBot = _bots?.IsBot(userAgent, device.Family == "Spider") ?? device.Family == "Spider";
        var result = new UserAgent(agent, os, device, DeviceTypes.Classify(userAgent, os.Family, device, isBot), isBot);
        if (!timedOut)
        {
            _cache.Set(userAgent, result, new MemoryCacheEntryOptions { Size = 1 }); // an answer cut short is not kept
        }

        return result;
    }

    public void Dispose() => _cache.Dispose();

    private UserAgent.Agent ParseAgent(string ua, ref bool timedOut)
        => FirstMatch(_rules.Agents, ua, ref timedOut) is var (rule, m)
            ? new UserAgent.Agent(Value(rule.Replacements[0], m, 1) ?? "Other", Value(rule.Replacements[1], m, 2), Value(rule.Replacements[2], m, 3), Value(rule.Replacements[3], m, 4))
            : new UserAgent.Agent("Other", null, null, null);

    private UserAgent.System ParseSystem(string ua, ref bool timedOut)
        => FirstMatch(_rules.Systems, ua, ref timedOut) is var (rule, m)
            ? new UserAgent.System(Value(rule.Replacements[0], m, 1) ?? "Other", Value(rule.Replacements[1], m, 2), Value(rule.Replacements[2], m, 3), Value(rule.Replacements[3], m, 4), Value(rule.Replacements[4], m, 5))
            : new UserAgent.System("Other", null, null, null, null);

    private UserAgent.Device ParseDevice(string ua, ref bool timedOut)
        => FirstMatch(_rules.Devices, ua, ref timedOut) is var (rule, m)
            ? new UserAgent.Device(Value(rule.Replacements[0], m, 1) ?? "Other", Value(rule.Replacements[1], m, null), Value(rule.Replacements[2], m, 1))
            : new UserAgent.Device("Other", null, null);

    /// <summary>The first rule of the list that matches (the specification's order decides), or null.</summary>
    private static (UserAgentRules.Rule Rule, Match Match)? FirstMatch(IReadOnlyList<UserAgentRules.Rule> rules, string ua, ref bool timedOut)
    {
        foreach (var rule in rules)
        {
            if (Match(rule, ua, ref timedOut) is { } m)
            {
                return (rule, m);
            }
        }

        return null;
    }

    private static Match? Match(UserAgentRules.Rule rule, string ua, ref bool timedOut)
    {
        try
        {
            var m = rule.Regex.Match(ua);
            return m.Success ? m : null;
        }
        catch (RegexMatchTimeoutException)
        {
            timedOut = true; // a pathological string must not stall collect: treat the rule as not matching
            return null;
        }
    }

    /// <summary>The replacement with $1..$9 filled in, or else group <paramref name="group"/>; trimmed; null when empty.</summary>
    private static string? Value(string? replacement, Match match, int? group)
    {
        string? value;
        if (replacement is null)
        {
            value = group is { } g && g < match.Groups.Count && match.Groups[g].Success ? match.Groups[g].Value : null;
        }
        else if (replacement.Contains('$', StringComparison.Ordinal))
        {
            var builder = new StringBuilder(replacement.Length + 16);
            for (var i = 0; i < replacement.Length; i++)
            {
                if (replacement[i] == '$' && i + 1 < replacement.Length && replacement[i + 1] is >= '1' and <= '9')
                {
                    var g = replacement[i + 1] - '0';
                    if (g < match.Groups.Count && match.Groups[g].Success)
                    {
                        builder.Append(match.Groups[g].Value);
                    }

                    i++;
                }
                else
                {
                    builder.Append(replacement[i]);
                }
            }

            value = builder.ToString();
        }
        else
        {
            value = replacement;
        }

        value = value?.Trim();
        return string.IsNullOrEmpty(value) ? null : value;
    }
}
