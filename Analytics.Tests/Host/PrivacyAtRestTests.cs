using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Host;

/// <summary>
/// After a real run (events from known addresses, an API key used, a user signing in, a wrong password tried), a dump of
/// PostgreSQL, of every ClickHouse table, of the logs and of every other file in the data directory holds no raw IP
/// address, no plaintext API key and no password.
/// </summary>
public sealed partial class PrivacyAtRestTests(Engines engines)
{
    private const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";
    private const string Password = "Correct-Horse-Battery-4711";
    private const string WrongPassword = "Wrong-Password-Tried-0815";

    private static readonly string[] Addresses = ["203.0.113.77", "198.51.100.201", "2001:db8::77", "2001:db8:85a3::8a2e:370:7334"];

    [Fact]
    public async Task DumpsOfPostgresClickHouseLogsAndFiles_HoldNoIpAddressNoApiKeyNoPassword()
    {
        string data;
        string key;
        var logs = new StringBuilder();
        await using (var server = await ServerProcess.StartAsync(engines))
        {
            data = server.Data;
            Assert.Equal(0, (await AnalyticsProcess.RunAsync(data, "properties", "add", "private.example")).Exit);
            var user = await AnalyticsProcess.RunWithInputAsync(data, Password + "\n", "users", "add", "owner@private.example", "--password-stdin");
            Assert.True(user.Exit == 0, user.Stderr);
            var created = await AnalyticsProcess.RunAsync(data, "keys", "create", "--name", "dump", "--all");
            key = created.Stdout.Trim().Split('\n')[^1];

            foreach (var address in Addresses)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/event")
                {
                    Content = new StringContent($$$"""{"n":"pageview","u":"https://private.example/a?from={{{address}}}","d":"private.example","r":"https://news.ycombinator.com/item?id=1&ip={{{address}}}"}""", Encoding.UTF8, "text/plain"),
                };
                request.Headers.TryAddWithoutValidation("User-Agent", Chrome);
                request.Headers.TryAddWithoutValidation("X-Forwarded-For", address);
                Assert.Equal(HttpStatusCode.Accepted, (await server.Http.SendAsync(request)).StatusCode);
            }

            using (var api = new HttpRequestMessage(HttpMethod.Get, "/api/v1/properties"))
            {
                api.Headers.Authorization = new("Bearer", key);
                Assert.Equal(HttpStatusCode.OK, (await server.Http.SendAsync(api)).StatusCode);
            }

            using (var forged = new HttpRequestMessage(HttpMethod.Get, "/api/v1/properties"))
            {
                forged.Headers.Authorization = new("Bearer", key + "x");
                Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.SendAsync(forged)).StatusCode);
            }

            Assert.True(await SignInAsync(server.Http.BaseAddress!, WrongPassword) is false);
            Assert.True(await SignInAsync(server.Http.BaseAddress!, Password));

            var dump = await Run("runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_dump", "-h", Path.Combine(data, "postgres"), "-U", "analytics", "analytics");
            Assert.Contains("owner@private.example", dump, StringComparison.Ordinal); // the dump is real
            logs.AppendLine(dump);
            await server.TerminateAsync(); // drains the spool into ClickHouse
            Assert.Equal(0, server.Process.ExitCode);
            logs.AppendLine(server.Output.ToString());
        }

        var tables = await AnalyticsProcess.RunAsync(data, "sql", "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine NOT LIKE '%View%'", "--format", "TSV");
        Assert.True(tables.Exit == 0, tables.Stderr);
        var names = tables.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("events", names);
        Assert.Contains("rollup_monthly", names);
        foreach (var table in names)
        {
            var rows = await AnalyticsProcess.RunAsync(data, "sql", $"SELECT * FROM {table}", "--format", "TSV");
            Assert.True(rows.Exit == 0, rows.Stderr);
            logs.AppendLine(rows.Stdout);
        }

        Assert.Contains("https://news.ycombinator.com/item", logs.ToString(), StringComparison.Ordinal); // the events were dumped (the referrer without its query)
        foreach (var file in Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/clickhouse/", StringComparison.Ordinal) && !f.Contains("/postgres/base/", StringComparison.Ordinal) && !f.Contains("/postgres/global/", StringComparison.Ordinal)
                && !f.Contains("/pg_wal/", StringComparison.Ordinal)))
        {
            logs.AppendLine(Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file))); // spool, keys, config, the PostgreSQL log
        }

        var text = logs.ToString();
        foreach (var address in Addresses)
        {
            Assert.DoesNotContain(address, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Expanded(IPAddress.Parse(address)), text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPassword, text, StringComparison.Ordinal);
    }

    /// <summary>Another spelling of the same address: the IPv4 address as its 32-bit number, an IPv6 address with every group written out.</summary>
    private static string Expanded(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return bytes.Length == 4
            ? ((uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3]).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : string.Join(':', Enumerable.Range(0, 8).Select(i => Convert.ToHexStringLower(bytes, i * 2, 2)));
    }

    /// <summary>Signs in through the log-in form as a browser does (antiforgery cookie and token); true when it took.</summary>
    private static async Task<bool> SignInAsync(Uri origin, string password)
    {
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = origin };
        var page = await http.GetStringAsync("/login");
        var token = AntiforgeryToken().Match(page).Groups[1].Value;
        Assert.NotEmpty(token);
        var response = await http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["Input.Email"] = "owner@private.example",
            ["Input.Password"] = password,
        }));
        return response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther
            && response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("analytics_session=", StringComparison.Ordinal));
    }

    private static async Task<string> Run(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, error);
        return await output;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
