using System.Net;
using System.Text.RegularExpressions;
using Analytics.Tests.Host;

namespace Analytics.Tests.Security;

/// <summary>
/// A browser without a browser: keeps cookies, follows no redirects, and posts the dashboard's forms as a page would
/// (the form's antiforgery token read from the page, its name as <c>_handler</c>), so a test sees every status code.
/// </summary>
internal sealed partial class FormClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string? _host;

    public FormClient(ServerProcess server, string? host = null, CookieContainer? cookies = null)
    {
        Cookies = new CookieContainer();
        foreach (Cookie cookie in cookies?.GetAllCookies() ?? [])
        {
            Cookies.Add(cookie);
        }

        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = server.Http.BaseAddress };
        _host = host;
    }

    public CookieContainer Cookies { get; }

    public void Dispose() => _http.Dispose();

    public string? LastLocation { get; private set; }

    public string? LastRetryAfter { get; private set; }

    private string _lastBody = string.Empty;

    public Task<string> LastBodyAsync() => Task.FromResult(_lastBody);

    public async Task<HttpResponseMessage> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        return await SendAsync(request);
    }

    /// <summary>The cookie of that name the server has set and not cleared, if any.</summary>
    public Cookie? Cookie(string name) => Cookies.GetAllCookies().FirstOrDefault(c => c.Name == name && !c.Expired);

    public async Task<HttpResponseMessage> PostJsonAsync(string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        return await SendAsync(request);
    }

    public async Task<string> GetStringAsync(string path)
    {
        using var response = await GetAsync(path);
        return await response.Content.ReadAsStringAsync();
    }

    public async Task<HttpStatusCode> StatusAsync(string path)
    {
        using var response = await GetAsync(path);
        return response.StatusCode;
    }

    /// <summary>Opens the page at <paramref name="path"/> (or the account page, for endpoints without one) for its antiforgery token, then posts the form.</summary>
    public async Task<HttpStatusCode> PostFormAsync(string path, string? formName, params (string Name, string Value)[] fields)
    {
        var page = await GetStringAsync(formName is null ? "/account" : path);
        if (!TokenRegex().IsMatch(page))
        {
            page = await GetStringAsync("/login"); // a page that shows no form (a closed sign-up): any page's token will do
        }

        var token = WebUtility.HtmlDecode(TokenRegex().Match(page).Groups[1].Value);
        return await PostAsync(path, [.. formName is null ? [] : new[] { ("_handler", formName) }, ("__RequestVerificationToken", token), .. fields]);
    }

    /// <summary>Posts without an antiforgery token, as another site's page would.</summary>
    public Task<HttpStatusCode> PostWithoutTokenAsync(string path) => PostAsync(path, []);

    public async Task SignUpAsync(string email, string password)
    {
        var status = await PostFormAsync("/signup", "signup", ("Input.Email", email), ("Input.Password", password));
        if (status != HttpStatusCode.Found)
        {
            throw new InvalidOperationException($"Sign-up answered {(int)status}:\n{_lastBody}");
        }
    }

    public Task<HttpStatusCode> LogInAsync(string email, string password)
        => PostFormAsync("/login", "login", ("Input.Email", email), ("Input.Password", password));

    private async Task<HttpStatusCode> PostAsync(string path, IEnumerable<(string Name, string Value)> fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))),
        };
        using var response = await SendAsync(request);
        LastLocation = response.Headers.Location?.ToString();
        LastRetryAfter = response.Headers.RetryAfter?.ToString();
        _lastBody = await response.Content.ReadAsStringAsync();
        return response.StatusCode;
    }

    private Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        if (_host is not null)
        {
            request.Headers.Host = _host;
        }

        return _http.SendAsync(request);
    }

    [GeneratedRegex(@"name=""__RequestVerificationToken"" value=""([^""]+)""")]
    private static partial Regex TokenRegex();
}
