using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Host;

/// <summary>
/// 100,000 malformed and adversarial requests to the collect endpoint and the APIs of a real server: every answer is a
/// 2xx or 4xx (never 5xx), the server stays up with bounded memory, and the valid events sent among them are kept.
/// </summary>
public sealed class FuzzTests(Engines engines)
{
    private const int Requests = 100_000;
    private const string Domain = "fuzz.example";
    private const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

    [Fact]
    public async Task HundredThousandMalformedRequests_NoServerError_NoCrash_BoundedMemory_NothingAcceptedLost()
    {
        var data = Path.Combine(engines.Root, "fuzz-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(Path.Combine(data, "analytics.json"), """{"Api":{"RateLimitPerMinute":100000000},"Collect":{"RateLimitPerAddress":0}}"""); // the fuzzer, one client, is not throttled
        await using var server = await ServerProcess.StartAsync(engines, data);
        Assert.Equal(0, (await AnalyticsProcess.RunAsync(data, "properties", "add", Domain)).Exit);
        var created = await AnalyticsProcess.RunAsync(data, "keys", "create", "--name", "fuzz", "--all");
        Assert.True(created.Exit == 0, created.Stderr);
        var key = created.Stdout.Trim().Split('\n')[^1];

        var statuses = new ConcurrentDictionary<int, int>();
        var serverErrors = new ConcurrentQueue<string>();
        var accepted = new ConcurrentBag<int>();
        var next = -1;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16, RequestHeaderEncodingSelector = (_, _) => Encoding.Latin1 }) { BaseAddress = server.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Requests)
            {
                var random = new Random(i);
                var (request, valid) = Make(i, random, key);
                var description = $"#{i} {request.Method} {request.RequestUri}";
                using (request)
                using (var response = await http.SendAsync(request))
                {
                    var status = (int)response.StatusCode;
                    statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                    if (status >= 500 && serverErrors.Count < 10)
                    {
                        serverErrors.Enqueue($"{description}: {status} {await response.Content.ReadAsStringAsync()}");
                    }

                    if (valid && status == 202 && !response.Headers.Contains(Analytics.Ingest.Collect.CollectResponse.DroppedHeader))
                    {
                        accepted.Add(i);
                    }
                }
            }
        }));

        Console.WriteLine("fuzz: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")));
        Assert.True(serverErrors.IsEmpty, string.Join('\n', serverErrors) + "\nThe server logged:\n" + FirstErrors(server.Output.ToString()));
        Assert.Equal(Requests, statuses.Values.Sum());
        Assert.True(statuses.Keys.Count(s => s is >= 400 and < 500) >= 5, "the fuzzer should meet several kinds of refusal");
        Assert.False(server.Process.HasExited);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);
        var peakMb = PeakRssMb(server.Process.Id);
        Console.WriteLine($"fuzz: server peak RSS {peakMb:F0} MB");
        Assert.True(peakMb < 1_536, $"peak RSS {peakMb:F0} MB");

        // The valid events among the garbage were all kept.
        await server.TerminateAsync();
        var export = await AnalyticsProcess.RunAsync(data, "export", "--property", Domain);
        var kept = export.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("props"))
            .Select(props => props.TryGetProperty("fuzz", out var id) && int.TryParse(id.GetString(), CultureInfo.InvariantCulture, out var n) ? n : -1).ToList(); // a flipped byte may still make a valid event
        Assert.True(accepted.Count > 1_000, $"{accepted.Count} valid events accepted");
        Assert.Empty(accepted.Except(kept));
    }

    /// <summary>The first few errors the server logged, with their exception's first lines.</summary>
    private static string FirstErrors(string output)
    {
        var lines = output.Split('\n');
        return string.Join('\n', lines.Select((line, n) => (line, n)).Where(l => l.line.StartsWith("fail:", StringComparison.Ordinal)).Take(4)
            .SelectMany(l => lines.Skip(l.n).Take(6)));
    }

    private static double PeakRssMb(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>One request of a seeded kind; valid is true for a well-formed event whose id is <paramref name="i"/>.</summary>
    private static (HttpRequestMessage Request, bool Valid) Make(int i, Random random, string key)
    {
        var kind = random.Next(14);
        return kind switch
        {
            0 => (Collect(ValidEvent(i), Chrome), true),
            1 => (Collect(RandomBytes(random, random.Next(0, 3_000)), Chrome), false),
            2 => (Collect(Truncate(random, ValidEvent(i)), Chrome), false),
            3 => (Collect(Deep(random), Chrome), false),
            4 => (Collect(Huge(random, i), Chrome), false),
            5 => (Collect(WrongType(random, i), Chrome), false),
            6 => (Collect(Flip(random, ValidEvent(i)), Chrome), false),
            7 => (OddHeaders(random, i), false),
            8 => (Query(Flip(random, Encoding.UTF8.GetBytes(ValidQuery(random))), key, random), false),
            9 => (Query(Encoding.UTF8.GetBytes(WeirdQuery(random)), key, random), false),
            10 => (ApiGet(random, key), false),
            11 => (Collect(Encoding.UTF8.GetBytes(Unicode(random, i)), Chrome), false),
            12 => (new HttpRequestMessage(Pick(random, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch, HttpMethod.Get), Pick(random, "/api/event", "/api/v2/query", "/api/v1/properties")), false),
            _ => (Query(RandomBytes(random, random.Next(0, 2_000)), Pick(random, key, "ak_forged", string.Empty, new string('k', 5_000)), random), false),
        };
    }

    private static T Pick<T>(Random random, params T[] choices) => choices[random.Next(choices.Length)];

    private static byte[] ValidEvent(int i)
        => Encoding.UTF8.GetBytes($$$"""{"n":"pageview","u":"https://{{{Domain}}}/p/{{{i % 50}}}?q=1","d":"{{{Domain}}}","r":"https://www.google.com/","w":1280,"p":{"fuzz":"{{{i}}}"}}""");

    private static HttpRequestMessage Collect(byte[] body, string userAgent)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/event") { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "text/plain");
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        return request;
    }

    private static HttpRequestMessage Query(byte[] body, string key, Random random)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v2/query") { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", Pick(random, "application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1"));
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        return request;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Truncate(Random random, byte[] body) => body[..random.Next(0, body.Length)];

    private static byte[] Flip(Random random, byte[] body)
    {
        var copy = (byte[])body.Clone();
        for (var k = random.Next(1, 6); k > 0 && copy.Length > 0; k--)
        {
            copy[random.Next(copy.Length)] = (byte)random.Next(256);
        }

        return copy;
    }

    private static byte[] Deep(Random random)
    {
        var depth = random.Next(50, 8_000);
        var open = Pick(random, "[", "{\"p\":", "{\"n\":[");
        var text = new StringBuilder("{\"n\":\"pageview\",\"u\":\"https://" + Domain + "/\",\"d\":\"" + Domain + "\",\"p\":");
        for (var k = 0; k < depth && text.Length < 15_000; k++)
        {
            text.Append(open);
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static byte[] Huge(Random random, int i)
    {
        var size = Pick(random, 1_000, 15_000, 17_000, 200_000);
        var big = new string(Pick(random, 'a', '%', '\\', '/', 'é'), size);
        var field = Pick(random, "n", "u", "d", "r", "p");
        var body = field == "p"
            ? $$$"""{"n":"pageview","u":"https://{{{Domain}}}/","d":"{{{Domain}}}","p":{"k":"{{{big}}}","id":"{{{i}}}"}}"""
            : $$$"""{"n":"pageview","u":"https://{{{Domain}}}/","d":"{{{Domain}}}","{{{field}}}":"{{{big}}}"}""";
        return Encoding.UTF8.GetBytes(body.Replace("\\", "\\\\", StringComparison.Ordinal));
    }

    private static byte[] WrongType(Random random, int i)
    {
        var values = new[] { "123", "-1", "1e400", "true", "null", "[]", "{}", "[\"a\",1]", "{\"a\":{\"b\":1}}", "\"\"", "\"x\"", "99999999999999999999999", "-0.0", "NaN" };
        var fields = new Dictionary<string, string>
        {
            ["n"] = "\"pageview\"", ["u"] = $"\"https://{Domain}/a\"", ["d"] = $"\"{Domain}\"", ["r"] = "\"https://t.co/\"",
            ["w"] = "1280", ["p"] = "{\"id\":\"" + i + "\"}", ["h"] = "0", ["e"] = "1000", ["s"] = "50", ["$"] = "{\"amount\":\"1\",\"currency\":\"EUR\"}",
        };
        foreach (var field in fields.Keys.OrderBy(_ => random.Next()).Take(random.Next(1, 4)).ToList())
        {
            fields[field] = Pick(random, values);
        }

        return Encoding.UTF8.GetBytes("{" + string.Join(',', fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}");
    }

    private static string Unicode(Random random, int i)
        => $$$"""{"n":"{{{Pick(random, "page\u0000view", "\ud83d\ude00", "\\ud800", "\\udfff\\ud800", "\u202eevil", "")}}}","u":"https://{{{Domain}}}/{{{Pick(random, "%ff%fe", "\\u0000", "ü/ß", "..%2f..%2f", "\\ud834")}}}","d":"{{{Pick(random, Domain, "FUZZ.EXAMPLE", "fuzz.example.", "xn--fzz-0ra.example", "\\u0000")}}}","p":{"id":"{{{i}}}"}}""";

    private static HttpRequestMessage OddHeaders(Random random, int i)
    {
        var request = Collect(ValidEvent(i), Pick(random, string.Empty, new string('M', 8_000), "curl/8.0", "Mozilla/5.0 \u00ff\u00fe", Chrome));
        request.Content!.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", Pick(random, "application/json", "text/plain; charset=utf-16", "image/png", "multipart/form-data", "*/*;;;"));
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", Pick(random, "1.2.3.4, 5.6.7.8", "not-an-ip", string.Join(',', Enumerable.Repeat("10.0.0.1", 500)), "::ffff:1.2.3.4", "999.999.999.999", "[::1]:80"));
        request.Headers.TryAddWithoutValidation("Accept-Language", Pick(random, "*", "en-US;q=abc", new string(',', 3_000), "xx-YY-ZZ-123456789", "de"));
        request.Headers.TryAddWithoutValidation("Origin", Pick(random, "null", "https://evil.example", "https://" + Domain));
        return request;
    }

    private static string ValidQuery(Random random) => $$"""
        {"site_id":"{{Domain}}","metrics":["visitors","pageviews","bounce_rate"],"date_range":"{{Pick(random, "7d", "30d", "day", "all")}}","dimensions":["{{Pick(random, "event:page", "visit:source", "time:day", "visit:country")}}"],"filters":[["is","visit:browser",["Chrome"]]]}
        """;

    private static readonly string[] ApiParameters = ["site_id", "period", "date", "metrics", "property", "filters", "limit", "page", "interval", "from", "to", "dimension", "timezone"];

    private static string WeirdQuery(Random random)
    {
        string Value() => Pick(random, "null", "1", "-1", "\"\"", "[]", "{}", "\"all\"", "[\"2026-01-01\",\"2025-01-01\"]", "[\"0000-00-00\",\"9999-12-31\"]", "\"" + new string('x', 3_000) + "\"",
            "[[\"contains\",\"event:page\",[\"\"]]]", "[[\"and\",[[\"or\",[]]]]]", "[\"visitors\",\"visitors\"]", "[\"nonexistent\"]", "1e308", "[[\"is\"]]");
        var fields = new[] { "site_id", "metrics", "date_range", "dimensions", "filters", "order_by", "include", "pagination", "limit" };
        return "{" + string.Join(',', fields.Where(_ => random.Next(3) > 0).Select(f => $"\"{f}\":{(f == "site_id" && random.Next(2) == 0 ? $"\"{Domain}\"" : Value())}")) + "}";
    }

    private static HttpRequestMessage ApiGet(Random random, string key)
    {
        string Value() => Uri.EscapeDataString(Pick(random, "", "x", "-1", "0", "99999999999", "day", "7d", "12mo", "custom", "2026-02-30", "2026-01-01,2025-01-01", "visit:source", "event:page",
            "visitors,pageviews", "event:page==/a;visit:country!=DE", "event:page~", "visit:browser==", "%00", "\u0000", new string('z', 2_000), "time:hour", "a,b,c,d,e,f"));
        var path = Pick(random, "/api/v1/stats/aggregate", "/api/v1/stats/timeseries", "/api/v1/stats/breakdown", "/api/v1/stats/realtime/visitors",
            "/api/v1/properties/1/aggregate", "/api/v1/properties/1/timeseries", "/api/v1/properties/1/breakdown", "/api/v1/properties/1/sessions", "/api/v1/properties/1/sessions/abc",
            "/api/v1/properties/99999999999999/aggregate", "/api/v1/properties");
        var parameters = ApiParameters
            .Where(_ => random.Next(2) == 0).Select(p => $"{p}={(p == "site_id" && random.Next(2) == 0 ? Domain : Value())}");
        var request = new HttpRequestMessage(HttpMethod.Get, path + "?" + string.Join('&', parameters));
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        return request;
    }
}
