using System.Net;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Host;

/// <summary>Security headers on every surface (a document's policies on all but collect's answers), CORS per surface, cookie flags.</summary>
public sealed class SecurityTests(Engines engines)
{
    [Fact]
    public async Task EverySurface_SendsTheSecurityHeaders_CorsOnlyOnCollect_CookiesHttpOnlyAndSameSite()
    {
        await using var server = await ServerProcess.StartAsync(engines);
        foreach (var path in new[] { "/signup", "/login", "/api/v1/properties", "/health", "/js/script.js" })
        {
            using var response = await server.Http.GetAsync(path);
            Assert.Equal(Analytics.ServiceDefaults.ServiceDefaultsExtensions.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("same-origin", response.Headers.GetValues("Referrer-Policy").Single());
        }

        // The collect endpoint's answers, which every visitor's browser receives and none shows as a page: the headers
        // of any response, not a document's policies.
        foreach (var collect in new[] { new HttpRequestMessage(HttpMethod.Post, "/api/event") { Content = new StringContent("{}") }, new HttpRequestMessage(HttpMethod.Options, "/api/event") })
        {
            using var answer = await server.Http.SendAsync(collect);
            Assert.Equal("nosniff", answer.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-store", answer.Headers.CacheControl?.ToString());
            foreach (var policy in new[] { "Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "Permissions-Policy", "Cross-Origin-Opener-Policy" })
            {
                Assert.False(answer.Headers.Contains(policy) || answer.Content.Headers.Contains(policy), $"{collect.Method} /api/event: {policy}");
            }
        }

        // The log-in form's antiforgery cookie: not readable by scripts, not sent on cross-site requests.
        using (var fresh = new HttpClient { BaseAddress = server.Http.BaseAddress })
        using (var login = await fresh.GetAsync("/login"))
        {
            var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("analytics_antiforgery=", StringComparison.Ordinal));
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        }

        // CORS: any site may send events, no other site may read the API or the dashboard.
        Assert.Equal("*", (await PreflightAsync(server, "/api/event")).Headers.GetValues("Access-Control-Allow-Origin").Single());
        foreach (var path in new[] { "/api/v2/query", "/api/v1/properties", "/properties/x/export.csv" })
        {
            using var preflight = await PreflightAsync(server, path);
            Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"), path);
        }

        using var read = new HttpRequestMessage(HttpMethod.Get, "/api/v1/properties");
        read.Headers.Add("Origin", "https://evil.example");
        Assert.False((await server.Http.SendAsync(read)).Headers.Contains("Access-Control-Allow-Origin"));
    }

    private static async Task<HttpResponseMessage> PreflightAsync(ServerProcess server, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        return await server.Http.SendAsync(request);
    }
}
