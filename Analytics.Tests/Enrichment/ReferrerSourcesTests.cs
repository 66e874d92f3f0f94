using Analytics.Ingest.Enrichment;

namespace Analytics.Tests.Enrichment;

public sealed class ReferrerSourcesTests(ReferrerSourcesTests.Sources sources) : IClassFixture<ReferrerSourcesTests.Sources>
{
    public sealed class Sources : IAsyncLifetime
    {
        public ReferrerSources Instance { get; private set; } = null!;

        public async ValueTask InitializeAsync() => Instance = await ReferrerSources.LoadAsync(Console.Error.WriteLine, CancellationToken.None);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Theory]
    [InlineData("https://www.google.com/", "Google")]
    [InlineData("https://www.google.de/search?q=x", "Google")]
    [InlineData("https://news.ycombinator.com/item?id=1", "Hacker News")]
    [InlineData("https://t.co/abc", "Twitter")]
    [InlineData("https://mail.google.com/mail/u/0/", "Gmail")]
    [InlineData("https://lm.facebook.com/l.php?u=x", "Facebook")]
    [InlineData("https://deep.sub.duckduckgo.com/", "DuckDuckGo")]
    [InlineData("https://www.some-blog.example/post", "some-blog.example")]
    public void Classify_KnownAndUnknownReferrers(string referrer, string source)
        => Assert.Equal(source, sources.Instance.Classify(new Uri(referrer), "example.com", null));

    [Fact]
    public void Classify_CampaignSourceOverridesReferrer_AsPlausibleDoes()
        => Assert.Equal("news", sources.Instance.Classify(new Uri("https://www.google.com/"), "example.com", "news"));

    [Theory]
    [InlineData("https://example.com/other-page")]
    [InlineData("https://www.example.com/")]
    [InlineData("android-app://com.slack/")]
    public void Classify_SameSiteOrNonWebReferrer_IsDirect(string referrer)
        => Assert.Equal(string.Empty, sources.Instance.Classify(new Uri(referrer), "example.com", null));

    [Fact]
    public void Classify_NoReferrer_IsDirect()
        => Assert.Equal(string.Empty, sources.Instance.Classify(null, "example.com", null));

    [Fact]
    public void Mapping_IsTheMaintainedList()
        => Assert.True(sources.Instance.Count > 2000, $"{sources.Instance.Count} hosts");
}
