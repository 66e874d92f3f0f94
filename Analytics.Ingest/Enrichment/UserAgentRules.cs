using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Analytics.Ingest.Enrichment;

/// <summary>
/// The three rule lists of uap-core's <c>regexes.yaml</c> (npm package <c>uap-core</c>), read as its
/// <c>docs/specification.md</c> describes: ordered, first match wins, <c>$1</c>..<c>$9</c> in replacements.
/// </summary>
internal sealed class UserAgentRules
{
    public const string Package = "uap-core";
    public const string Version = "0.18.0";

    private UserAgentRules(IReadOnlyList<Rule> agents, IReadOnlyList<Rule> systems, IReadOnlyList<Rule> devices)
    {
        Agents = agents;
        Systems = systems;
        Devices = devices;
    }

    /// <summary>A safety net against pathological input, not a budget: a starved CPU can take this long on a normal string.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    public IReadOnlyList<Rule> Agents { get; }

    public IReadOnlyList<Rule> Systems { get; }

    public IReadOnlyList<Rule> Devices { get; }

    /// <summary>One regex and its replacements (null where the rule names none).</summary>
    internal sealed record Rule(Regex Regex, string?[] Replacements);

    public static UserAgentRules Load(string path)
    {
        var yaml = new YamlStream();
        try
        {
            using var reader = File.OpenText(path);
            yaml.Load(reader);
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or IOException)
        {
            throw new EnrichmentDataException($"The user-agent rules '{path}' could not be read: {e.Message}");
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        return new UserAgentRules(
            Read(root, "user_agent_parsers", ["family_replacement", "v1_replacement", "v2_replacement", "v3_replacement"], path),
            Read(root, "os_parsers", ["os_replacement", "os_v1_replacement", "os_v2_replacement", "os_v3_replacement", "os_v4_replacement"], path),
            Read(root, "device_parsers", ["device_replacement", "brand_replacement", "model_replacement"], path));
    }

    private static List<Rule> Read(YamlMappingNode root, string section, string[] replacementKeys, string path)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(section), out var node) || node is not YamlSequenceNode list)
        {
            throw new EnrichmentDataException($"The user-agent rules '{path}' have no '{section}' list.");
        }

        var rules = new List<Rule>(list.Children.Count);
        foreach (var item in list.Children.OfType<YamlMappingNode>())
        {
            string? Value(string key) => item.Children.TryGetValue(new YamlScalarNode(key), out var v) ? ((YamlScalarNode)v).Value : null;
            var pattern = Value("regex") ?? throw new EnrichmentDataException($"A rule in '{section}' of '{path}' has no regex.");
            var options = RegexOptions.CultureInvariant | (Value("regex_flag") == "i" ? RegexOptions.IgnoreCase : RegexOptions.None);
            rules.Add(new Rule(new Regex(pattern, options, MatchTimeout), replacementKeys.Select(Value).ToArray()));
        }

        return rules;
    }
}
