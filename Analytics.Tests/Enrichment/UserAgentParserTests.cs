using Analytics.Ingest.Enrichment;
using Analytics.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Analytics.Tests.Enrichment;

public sealed class UserAgentParserTests(UserAgentParserTests.Parser parser) : IClassFixture<UserAgentParserTests.Parser>
{
    public sealed class Parser : IAsyncLifetime
    {
        public UserAgentParser Instance { get; private set; } = null!;

        public async ValueTask InitializeAsync() => Instance = await UserAgentParser.LoadAsync(null, Console.Error.WriteLine, CancellationToken.None);

        public ValueTask DisposeAsync()
        {
            Instance.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// The shared cases are uap-core 0.18.0's own tests/test_ua.yaml, the release whose regexes.yaml the parser loads from
    /// npm, so every case must parse to its expected family and version.
    /// </summary>
    [Fact]
    public void UapCoreConformance_EveryCasePasses()
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(Conformance.File("uap-core/test_ua.yaml")))
        {
            yaml.Load(reader);
        }

        var cases = ((YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("test_cases")]).Children.Cast<YamlMappingNode>().ToList();
        var failures = new List<string>();
        foreach (var c in cases)
        {
            string? Field(string key) => c.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s && !string.IsNullOrEmpty(s.Value) ? s.Value : null;
            var ua = Field("user_agent_string") ?? string.Empty;
            var expected = (Field("family"), Field("major"), Field("minor"), Field("patch"));
            var agent = parser.Instance.Parse(ua).Ua;
            if ((agent.Family, agent.Major, agent.Minor, agent.Patch) != expected)
            {
                failures.Add($"{ua}\n  expected {expected}, got ({agent.Family}, {agent.Major}, {agent.Minor}, {agent.Patch})");
            }
        }

        Assert.True(cases.Count > 1000, $"only {cases.Count} cases read");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases fail; the first:\n{string.Join('\n', failures.Take(10))}");
    }

    [Theory]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36", "Chrome", "Windows", "desktop")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Mobile Safari", "iOS", "mobile")]
    [InlineData("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Mobile Safari", "iOS", "tablet")]
    [InlineData("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36", "Chrome Mobile", "Android", "mobile")]
    [InlineData("Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36", "Chrome", "Android", "tablet")]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:131.0) Gecko/20100101 Firefox/131.0", "Firefox", "Mac OS X", "desktop")]
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot", "Other", "bot")]
    public void Parse_CommonAgents_FamilyOsAndDeviceType(string ua, string family, string os, string deviceType)
    {
        var parsed = parser.Instance.Parse(ua);

        Assert.Equal(family, parsed.Ua.Family);
        Assert.Equal(os, parsed.Os.Family);
        Assert.Equal(deviceType, parsed.DeviceType);
        Assert.Equal(deviceType == "bot", parsed.IsBot);
    }

    [Theory]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/130.0.0.0 Safari/537.36")]
    [InlineData("curl/8.5.0")]
    [InlineData("python-requests/2.32.3")]
    [InlineData("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)")]
    [InlineData("")]
    public void Parse_HeadlessBrowsersCrawlersAndEmptyAgents_AreBots(string ua)
    {
        var parsed = parser.Instance.Parse(ua);

        Assert.True(parsed.IsBot, ua);
        Assert.Equal("bot", parsed.DeviceType);
    }

    [Fact]
    public void Parse_EmptyOrHugeInput_AnswersOtherWithoutThrowing()
    {
        Assert.Equal("Other", parser.Instance.Parse(null).Ua.Family);
        Assert.Equal("Other", parser.Instance.Parse(string.Empty).Os.Family);
        Assert.NotNull(parser.Instance.Parse(new string('(', 100_000)));
    }
}
