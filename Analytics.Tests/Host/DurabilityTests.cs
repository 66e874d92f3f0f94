using System.Net;
using System.Text.Json;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Host;

/// <summary>A 202 means the event is kept, exactly once, whatever happens to the process next.</summary>
public sealed class DurabilityTests(Engines engines)
{
    private const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

    [Fact]
    public async Task SigKillRightAfter202s_ThenRestart_LosesNothingAndDuplicatesNothing()
    {
        string data;
        int port;
        var acknowledged = new List<int>();
        await using (var server = await ServerProcess.StartAsync(engines))
        {
            (data, port) = (server.Data, server.Port);
            var added = await AnalyticsProcess.RunAsync(data, "properties", "add", "example.com");
            Assert.True(added.Exit == 0, added.Stderr);

            var sends = Enumerable.Range(0, 400).Select(async i =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/event")
                {
                    Content = new StringContent($$$"""{"n":"pageview","u":"https://example.com/p{{{i % 7}}}","d":"example.com","p":{"id":"{{{i}}}"}}"""),
                };
                request.Headers.TryAddWithoutValidation("User-Agent", $"{Chrome} v{i % 50}");
                var response = await server.Http.SendAsync(request);
                return (i, response.StatusCode, Dropped: response.Headers.Contains(Analytics.Ingest.Collect.CollectResponse.DroppedHeader));
            });
            foreach (var (i, status, dropped) in await Task.WhenAll(sends))
            {
                Assert.False(dropped, $"event {i} was dropped on purpose, which should not happen here");
                if (status == HttpStatusCode.Accepted)
                {
                    acknowledged.Add(i);
                }
            }

            await server.KillAsync(); // no shutdown code runs: whatever was not yet in ClickHouse is only in the spool
        }

        Assert.Equal(400, acknowledged.Count);
        await using (var restarted = await ServerProcess.StartAsync(engines, data, port))
        {
            await restarted.TerminateAsync();
            Assert.True(restarted.Process.ExitCode == 0, restarted.Output.ToString());
        }

        var export = await AnalyticsProcess.RunAsync(data, "export", "--property", "example.com");
        Assert.True(export.Exit == 0, export.Stderr);
        var ids = export.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("props").GetProperty("id").GetString()!)
            .Select(int.Parse).ToList();
        Assert.Equal(acknowledged.Order(), ids.Order()); // every acknowledged event, each exactly once (views: SpoolTests)
        Assert.Empty(Directory.GetFiles(Path.Combine(data, "spool")));
    }

    [Fact]
    public async Task RestartWithin30Minutes_ReturningVisitorContinuesTheSameSession()
    {
        string data;
        int port;
        await using (var server = await ServerProcess.StartAsync(engines))
        {
            (data, port) = (server.Data, server.Port);
            Assert.Equal(0, (await AnalyticsProcess.RunAsync(data, "properties", "add", "example.com")).Exit);
            Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(server, "/before", "https://news.ycombinator.com/")).StatusCode);
            await server.TerminateAsync();
        }

        await using (var restarted = await ServerProcess.StartAsync(engines, data, port))
        {
            Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(restarted, "/after", "https://www.google.com/")).StatusCode);
            await restarted.TerminateAsync();
        }

        var export = await AnalyticsProcess.RunAsync(data, "export", "--property", "example.com");
        var events = export.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal(events[0].GetProperty("session_id").GetString(), events[1].GetProperty("session_id").GetString()); // recovered at start, not a new session

        // The recovered session keeps its first event's attributes: the later event carries the session's source.
        Assert.All(events, e => Assert.Equal("Hacker News", e.GetProperty("referrer_source").GetString()));
    }

    private static async Task<HttpResponseMessage> PostAsync(ServerProcess server, string path, string referrer = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/event")
        {
            Content = new StringContent($$$"""{"n":"pageview","u":"https://example.com{{{path}}}","d":"example.com","r":"{{{referrer}}}"}"""),
        };
        request.Headers.TryAddWithoutValidation("User-Agent", Chrome);
        return await server.Http.SendAsync(request);
    }
}
