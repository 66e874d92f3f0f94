using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Analytics.ServiceDefaults;
using Analytics.Tests.Host;
using Analytics.Tests.Infrastructure;
using Analytics.Dashboard.Accounts;
using Analytics.Storage.Properties;

namespace Analytics.Tests.Security;

/// <summary>
/// ASVS 5.0 level 2 against the server as a user runs it (a child process with its private PostgreSQL), over HTTP as
/// an attacker would send it: the dashboard's forms and the reporting API.
/// </summary>
public sealed partial class ServerSecurityTests(Engines engines)
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task ForgedHost_IsRefused_WithTheSecurityHeaders()
    {
        await using var server = await ServerProcess.StartAsync(engines, null, null, [], ("ANALYTICS_PUBLIC_URL", "http://analytics.test:8123"));
        foreach (var host in new[] { "evil.example", "analytics.test.evil.example", "127.0.0.2" })
        {
            using var forged = new HttpRequestMessage(HttpMethod.Post, "/forgot-password") { Content = new FormUrlEncodedContent([]) };
            forged.Headers.Host = host;
            using var refused = await server.Http.SendAsync(forged);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains($"Host: '{host}' is not this server's address", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal("nosniff", refused.Headers.GetValues("X-Content-Type-Options").Single());
        }
    }

    [Fact]
    public async Task ResetLinksAndTheSnippet_ComeFromThePublicUrl_InTheMailAndOnTheCommandLine()
    {
        await using var mail = await MailSink.StartAsync();
        await using var server = await ServerProcess.StartAsync(engines, null, null, [], [("ANALYTICS_PUBLIC_URL", "http://analytics.test:8123"), .. mail.Environment]);
        using var browser = new FormClient(server);
        await browser.SignUpAsync("ada@example.com", Password);

        // Asked through a loopback name (allowed, for health checks), the mailed link still names the public URL.
        using var anonymous = new FormClient(server, host: "localhost");
        Assert.Equal(HttpStatusCode.Found, await anonymous.PostFormAsync("/forgot-password", "forgot", ("Input.Email", "ada@example.com"))); // to ?sent=true: a reload sends nothing
        var link = MailSink.Link(await mail.WaitForAsync("ada@example.com", "Reset your Analytics password"), "/reset-password?token=");
        Assert.StartsWith("http://analytics.test:8123/reset-password?token=", link, StringComparison.Ordinal);
        Assert.DoesNotContain("reset-password?token=", server.Output.ToString(), StringComparison.Ordinal);

        var cli = await AnalyticsProcess.RunAsync(server.Data, "users", "reset-link", "ada@example.com");
        Assert.True(cli.Exit == 0, cli.Stderr);
        Assert.StartsWith("http://analytics.test:8123/reset-password?token=", cli.Stdout.Trim(), StringComparison.Ordinal);

        // The tracking snippet names the public URL too.
        Assert.Equal(0, (await AnalyticsProcess.RunAsync(server.Data, "properties", "add", "site.example", "--timezone", "UTC", "--owner", "ada@example.com")).Exit);
        Assert.Contains("src=\"http://analytics.test:8123/js/script.js\"", WebUtility.HtmlDecode(await browser.GetStringAsync("/properties/site.example/settings")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_WorksOnAnotherDashboardReplicaAndAfterARestart_WithItsKeysEncryptedInPostgres()
    {
        await using var postgres = await engines.NewPostgresAsync();
        (string, string)[] shared = [("ANALYTICS_POSTGRES", postgres.ConnectionString), ("ANALYTICS_KEY_ENCRYPTION_KEY", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)))];
        CookieContainer cookies;
        await using (var first = await ServerProcess.StartAsync(engines, null, null, ["--roles", "dashboard"], shared))
        {
            using var client = new FormClient(first);
            await client.SignUpAsync("kara@example.com", Password);
            Assert.Equal(HttpStatusCode.OK, await client.StatusAsync("/account"));
            Assert.DoesNotContain("No XML encryptor", first.Output.ToString(), StringComparison.Ordinal);
            cookies = client.Cookies;
        }

        // Another data directory and a new process: a second replica, and the first one restarted, alike.
        await using var second = await ServerProcess.StartAsync(engines, null, null, ["--roles", "dashboard"], shared);
        using var again = new FormClient(second, cookies: cookies);
        Assert.Equal(HttpStatusCode.OK, await again.StatusAsync("/account"));

        await using var connection = await postgres.OpenConnectionAsync();
        var keys = (await Dapper.SqlMapper.QueryAsync<string>(connection, "SELECT xml FROM data_protection_keys")).ToList();
        Assert.NotEmpty(keys);
        Assert.All(keys, xml => Assert.Contains("<encryptedSecret decryptorType=\"Analytics.Dashboard.Accounts.KeyDecryptor", xml, StringComparison.Ordinal));
        Assert.All(keys, xml => Assert.DoesNotContain("masterKey", xml, StringComparison.Ordinal));
    }

    [Fact]
    public async Task EveryDashboardRouteOfAProperty_ChecksTheMembersRole_ForViewersEditorsAdminsAndTheOwner()
    {
        // What each role gets from each of a property's dashboard routes; a new route fails this test until it is listed.
        var routes = typeof(Analytics.Dashboard.DashboardOptions).Assembly.GetTypes()
            .SelectMany(t => t.GetCustomAttributes(typeof(Microsoft.AspNetCore.Components.RouteAttribute), false).Cast<Microsoft.AspNetCore.Components.RouteAttribute>())
            .Select(r => r.Template).Where(t => t.StartsWith("/properties/{Domain}", StringComparison.Ordinal))
            .Concat(["/properties/{domain}/export.csv", "/properties/{domain}/events.{format}"]).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["/properties/{Domain}", "/properties/{Domain}/settings", "/properties/{domain}/events.{format}", "/properties/{domain}/export.csv"], routes);
        var least = new Dictionary<string, (string Path, PropertyRole Role, HttpStatusCode Refused)>
        {
            ["/properties/{Domain}"] = ("/properties/team.example", PropertyRole.Viewer, HttpStatusCode.NotFound),
            ["/properties/{Domain}/settings"] = ("/properties/team.example/settings", PropertyRole.Editor, HttpStatusCode.NotFound),
            ["/properties/{domain}/export.csv"] = ("/properties/team.example/export.csv?dimension=event:page", PropertyRole.Viewer, HttpStatusCode.NotFound),
            ["/properties/{domain}/events.{format}"] = ("/properties/team.example/events.csv", PropertyRole.Admin, HttpStatusCode.Forbidden),
        };

        await using var postgres = await engines.NewPostgresAsync();
        await using var server = await ServerProcess.StartAsync(engines, null, null, [], ("ANALYTICS_POSTGRES", postgres.ConnectionString));
        var members = new MemberStore(postgres);
        var clients = new Dictionary<PropertyRole, FormClient>();
        Property? site = null;
        foreach (var role in Enum.GetValues<PropertyRole>().OrderDescending())
        {
            var client = clients[role] = new FormClient(server);
            await client.SignUpAsync($"{role.Name()}@example.com", Password);
            await using var connection = await postgres.OpenConnectionAsync();
            var user = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "UPDATE users SET email_verified_at = now() WHERE email = @email RETURNING id", new { email = $"{role.Name()}@example.com" });
            if (role == PropertyRole.Owner)
            {
                site = await new PropertyStore(postgres).AddAsync("team.example", null, "UTC", user, CancellationToken.None);
                continue;
            }

            var (_, token) = await members.InviteAsync(site!.Id, $"{role.Name()}@example.com", role, null, PropertyRole.Owner, CancellationToken.None);
            await members.AcceptAsync(token, user, CancellationToken.None);
        }

        using var stranger = new FormClient(server);
        await stranger.SignUpAsync("stranger@example.com", Password);
        foreach (var (route, (path, needs, refused)) in least)
        {
            foreach (var (role, client) in clients)
            {
                using var response = await client.GetAsync(path);
                Assert.True((role >= needs ? HttpStatusCode.OK : refused) == response.StatusCode, $"{role.Name()}: {route} -> {response.StatusCode}");
            }

            using var outsider = await stranger.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode);
        }

        // Settings show each role its own sections: editors goals and sharing; admins also general, privacy, shields,
        // people, reports and alerts, and the raw export; the owner also the deletion.
        foreach (var (role, client) in clients.Where(c => c.Key >= PropertyRole.Editor))
        {
            var html = await client.GetStringAsync("/properties/team.example/settings");
            Assert.Contains("data-section=\"sharing\"", html, StringComparison.Ordinal);
            Assert.Equal(role >= PropertyRole.Admin, html.Contains("data-form=\"general\"", StringComparison.Ordinal));
            Assert.Equal(role >= PropertyRole.Admin, html.Contains("data-section=\"people\"", StringComparison.Ordinal));
            Assert.Equal(role >= PropertyRole.Admin, html.Contains("data-section=\"notifications\"", StringComparison.Ordinal));
            Assert.Equal(role >= PropertyRole.Admin, html.Contains("data-section=\"imports\"", StringComparison.Ordinal));
            Assert.Equal(role >= PropertyRole.Admin, html.Contains("/properties/team.example/events.csv", StringComparison.Ordinal));
            Assert.Equal(role == PropertyRole.Owner, html.Contains("data-form=\"delete\"", StringComparison.Ordinal));
        }

        // The dashboard links to settings for editors and above.
        foreach (var (role, client) in clients)
        {
            Assert.Equal(role >= PropertyRole.Editor, (await client.GetStringAsync("/properties/team.example")).Contains("href=\"/properties/team.example/settings\"", StringComparison.Ordinal));
        }

        foreach (var client in clients.Values)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task BehindHttps_CookiesAreSecureWithTheHostPrefix_AndHstsIsOnEveryResponse()
    {
        await using var https = await ServerProcess.StartAsync(engines, null, null, [], ("ANALYTICS_PUBLIC_URL", "https://analytics.test"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/login");
        request.Headers.Add("X-Forwarded-Proto", "https");
        using var login = await https.Http.SendAsync(request);
        var cookie = login.Headers.GetValues("Set-Cookie").Single();
        Assert.StartsWith("__Host-analytics_antiforgery=", cookie, StringComparison.Ordinal);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", cookie, StringComparison.OrdinalIgnoreCase);
        foreach (var path in new[] { "/login", "/health", "/api/v1/properties", "/no-such-page", "/js/script.js" })
        {
            using var response = await https.Http.GetAsync(path);
            Assert.Equal("max-age=31536000; includeSubDomains", response.Headers.GetValues("Strict-Transport-Security").Single());
        }
    }

    [Fact]
    public async Task OnPlainHttp_OnlyATrustedProxyCanSayTheClientUsedHttps()
    {
        await using var trusted = await ServerProcess.StartAsync(engines);
        Assert.True(await HstsAsync(trusted, "https"));
        Assert.False(await HstsAsync(trusted, null));
        await using var untrusted = await ServerProcess.StartAsync(engines, null, null, [], ("ANALYTICS_TRUSTED_PROXIES", "10.9.9.9"));
        Assert.False(await HstsAsync(untrusted, "https"));
    }

    /// <summary>
    /// Logging out ends every copy of the cookie; the collect endpoint never reads it (an owner's own browser sends it
    /// along with every event, and checking it costs a PostgreSQL query): an ended session's cookie is left alone by
    /// collect and cleared by a dashboard page.
    /// </summary>
    [Fact]
    public async Task Logout_NeedsItsToken_AndEndsEveryCopyOfTheCookie_WhichCollectNeverChecks()
    {
        await using var server = await ServerProcess.StartAsync(engines);
        using var grace = new FormClient(server);
        await grace.SignUpAsync("grace@example.com", Password);

        // A copy of the cookie taken before logging out signs nobody in afterwards.
        using var copy = new FormClient(server, cookies: grace.Cookies);
        Assert.Equal(HttpStatusCode.OK, await copy.StatusAsync("/account"));
        Assert.Equal(HttpStatusCode.BadRequest, await grace.PostWithoutTokenAsync("/logout"));
        Assert.Equal(HttpStatusCode.OK, await copy.StatusAsync("/account"));
        Assert.Equal(HttpStatusCode.Found, await grace.PostFormAsync("/logout", null));
        using var stolen = new FormClient(server, cookies: copy.Cookies);
        using var collected = await stolen.PostJsonAsync("/api/event", """{"name":"pageview","url":"http://example.com/","domain":"example.com"}""");
        Assert.False(collected.Headers.Contains("Set-Cookie"), string.Join('\n', collected.Headers));
        Assert.NotNull(stolen.Cookie("analytics_session"));
        using var page = await stolen.GetAsync("/account");
        Assert.Equal(HttpStatusCode.Found, page.StatusCode);
        Assert.True(page.Headers.Contains("Set-Cookie"));
        Assert.Null(stolen.Cookie("analytics_session"));
        var log = await WaitForAsync(() => server.Output.ToString() is var o && o.Contains("security antiforgery refused", StringComparison.Ordinal) ? o : null, "the refused logout");
        Assert.Contains("security logout succeeded user=1 email=g***@example.com network=127.0.0.1", log, StringComparison.Ordinal);
        Assert.Contains("security antiforgery refused user=1 email=g***@example.com network=127.0.0.1 (POST /logout", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminDisablesAUser_SessionAndApiKeysStopAtOnce_AndTheSecurityLogSaysSoWithoutSecrets()
    {
        await using var server = await ServerProcess.StartAsync(engines);
        using var admin = new FormClient(server);
        await admin.SignUpAsync("admin@example.com", Password);
        using var grace = new FormClient(server);
        await grace.SignUpAsync("grace@example.com", Password);

        // The admin disables Grace: her live session and her API key stop at once; enabling restores the key.
        var created = await AnalyticsProcess.RunAsync(server.Data, "keys", "create", "--all", "--name", "graces", "--user", "grace@example.com");
        Assert.True(created.Exit == 0, created.Stderr);
        var key = KeyRegex().Match(created.Stdout).Value;
        Assert.Matches(@"security key-create succeeded user=- email=- network=command line \(key 1 \(ak_[A-Za-z0-9_-]+…\) for user 2\)", created.Stderr);
        Assert.Contains("graces", await grace.GetStringAsync("/api-keys"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await ApiAsync(server, key));
        Assert.Equal(HttpStatusCode.Found, await grace.StatusAsync("/admin/users")); // not an admin: sent to log in
        Assert.Equal(HttpStatusCode.Found, await admin.PostFormAsync("/admin/users", "user-state", ("Change", "disable:grace@example.com")));
        Assert.Contains("Disabled grace@example.com.", await admin.GetStringAsync("/admin/users?done=disable:grace@example.com"), StringComparison.Ordinal);
        Assert.Contains("disabled", await admin.GetStringAsync("/admin/users"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Found, await grace.StatusAsync("/account"));
        Assert.Equal(HttpStatusCode.Unauthorized, await ApiAsync(server, key));
        Assert.Equal(HttpStatusCode.BadRequest, await grace.LogInAsync("grace@example.com", Password));
        var enabled = await AnalyticsProcess.RunAsync(server.Data, "users", "enable", "grace@example.com");
        Assert.True(enabled.Exit == 0, enabled.Stderr);
        Assert.Equal(HttpStatusCode.OK, await ApiAsync(server, key));

        // The security log: structured lines with masked emails, never a password, token or key.
        var log = await WaitForAsync(() => server.Output.ToString() is var o && o.Contains("(account disabled)", StringComparison.Ordinal) ? o : null, "the refused log-in");
        foreach (var line in new[]
        {
            "security signup succeeded user=1 email=a***@example.com network=127.0.0.1",
            "security disable succeeded user=2 email=g***@example.com network=127.0.0.1 (by user 1)",
            "security login refused user=2 email=g***@example.com network=127.0.0.1 (account disabled)",
        })
        {
            Assert.Contains(line, log, StringComparison.Ordinal);
        }

        Assert.Contains("security enable succeeded user=2 email=g***@example.com network=command line", enabled.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("grace@example.com", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, log, StringComparison.Ordinal);
        Assert.DoesNotContain(key, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedForms_NeverWriteATypedPasswordBackIntoThePage()
    {
        await using var server = await ServerProcess.StartAsync(engines);
        using var ada = new FormClient(server);

        Assert.Equal(HttpStatusCode.BadRequest, await ada.PostFormAsync("/signup", "signup", ("Input.Email", "ada@example.com"), ("Input.Password", "password1234")));
        Assert.DoesNotContain("password1234", await ada.LastBodyAsync(), StringComparison.Ordinal); // too common: refused, field empty
        await ada.SignUpAsync("ada@example.com", Password);
        Assert.Equal(HttpStatusCode.BadRequest, await ada.PostFormAsync("/account", "password", ("Input.Current", "not my password 7"), ("Input.New", "tide pools at dusk 42")));
        Assert.DoesNotContain("not my password 7", await ada.LastBodyAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("tide pools at dusk 42", await ada.LastBodyAsync(), StringComparison.Ordinal);

        using var other = new FormClient(server);
        Assert.Equal(HttpStatusCode.BadRequest, await other.LogInAsync("ada@example.com", "a wrong guess 9"));
        var body = await other.LastBodyAsync();
        Assert.DoesNotContain("a wrong guess 9", body, StringComparison.Ordinal);
        Assert.Contains("ada@example.com", body, StringComparison.Ordinal); // the email is kept, to try again
    }

    [Fact]
    public async Task LogIn_AnswersAlikeForUnknownAccounts_ThrottlesPerAddress_AndLogsFailures()
    {
        await using var server = await ServerProcess.StartAsync(engines);
        using var ada = new FormClient(server);
        await ada.SignUpAsync("ada@example.com", Password);
        using var guesser = new FormClient(server);

        var known = new List<(HttpStatusCode, string)>();
        var unknown = new List<(HttpStatusCode, string)>();
        for (var i = 0; i < 6; i++)
        {
            known.Add((await guesser.LogInAsync("ada@example.com", "wrong guess " + i), FormError(await guesser.LastBodyAsync())));
            unknown.Add((await guesser.LogInAsync("nobody@example.com", "wrong guess " + i), FormError(await guesser.LastBodyAsync())));
        }

        Assert.Equal(known, unknown);
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.BadRequest, 5), HttpStatusCode.TooManyRequests], known.Select(k => k.Item1));
        Assert.Equal("900", guesser.LastRetryAfter);

        // A new account each time: the address is refused once it has guessed twenty wrong passwords.
        // (5 + 5 counted so far: the sixth attempts were refused before the network's count.)
        for (var i = 0; i < AttemptThrottle.PerNetwork - 10; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, await guesser.LogInAsync($"user{i}@example.com", "wrong guess"));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await guesser.LogInAsync("fresh@example.com", "wrong guess"));
        var log = await WaitForAsync(() => server.Output.ToString() is var o && o.Contains("email=f***@example.com", StringComparison.Ordinal) ? o : null, "the refused log-in");
        Assert.Contains("security login failed user=1 email=a***@example.com network=127.0.0.1 (wrong password)", log, StringComparison.Ordinal);
        Assert.Contains("security login failed user=- email=n***@example.com network=127.0.0.1 (no such account)", log, StringComparison.Ordinal);
        Assert.Contains("security login throttled user=- email=f***@example.com network=127.0.0.1", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClosedSignUp_FirstAdminComesFromTheSetupLinkOrTheCommandLine()
    {
        await using var server = await ServerProcess.StartAsync(engines, null, null, [], ("ANALYTICS_OPEN_SIGNUP", "false"));
        var link = SetupRegex().Match(server.Output.ToString()).Value;
        Assert.StartsWith($"http://127.0.0.1:{server.Port}/signup?setup=setup_", link, StringComparison.Ordinal);

        using var visitor = new FormClient(server);
        // Without the link there is no form to post to (400), with a guessed one the store refuses it (403); neither makes
        // an account, or the real link below would be refused too.
        Assert.Equal(HttpStatusCode.BadRequest, await visitor.PostFormAsync("/signup", "signup", ("Input.Email", "first@example.com"), ("Input.Password", Password)));
        Assert.Equal(HttpStatusCode.Forbidden, await visitor.PostFormAsync("/signup", "signup", ("Input.Email", "first@example.com"), ("Input.Password", Password), ("Input.Setup", "setup_guessed")));
        var setup = Uri.UnescapeDataString(link[(link.IndexOf('=') + 1)..]);
        using var admin = new FormClient(server);
        Assert.Equal(HttpStatusCode.Found, await admin.PostFormAsync("/signup", "signup", ("Input.Email", "owner@example.com"), ("Input.Password", Password), ("Input.Setup", setup)));
        Assert.Contains("(admin of this server)", await admin.GetStringAsync("/account"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, await visitor.PostFormAsync("/signup", "signup", ("Input.Email", "second@example.com"), ("Input.Password", Password), ("Input.Setup", setup))); // no form any more

        var added = await AnalyticsProcess.RunWithInputAsync(server.Data, Password + "\n", "users", "add", "ops@example.com", "--admin", "--password-stdin");
        Assert.True(added.Exit == 0, added.Stderr);
        Assert.Contains("(admin)", added.Stderr, StringComparison.Ordinal);
        var weak = await AnalyticsProcess.RunWithInputAsync(server.Data, "aaaaaaaaaa\n", "users", "add", "weak@example.com", "--password-stdin");
        Assert.Equal(2, weak.Exit);
        Assert.Contains("password", weak.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorPaths_AnswerWithTheField_CarryTheHeaders_AndPrivateAnswersAreNotCached()
    {
        await using var server = await ServerProcess.StartAsync(engines);
        using var owner = new FormClient(server);
        await owner.SignUpAsync("ada@example.com", Password);
        Assert.Equal(0, (await AnalyticsProcess.RunAsync(server.Data, "properties", "add", "site.example", "--timezone", "UTC", "--owner", "ada@example.com")).Exit);
        var key = (await AnalyticsProcess.RunAsync(server.Data, "keys", "create", "--all", "--name", "t")).Stdout.Trim();

        // A pattern RE2 takes but the engine that runs it refuses, and a filter past the size limit: 400 naming the field.
        using var pattern = await QueryAsync(server, key, "[\"matches\",\"event:page\",[\"a{1000}\"]]");
        Assert.Equal(HttpStatusCode.BadRequest, pattern.StatusCode);
        Assert.Contains("filters: 'a{1000}' (event:page) is not a regular expression this server can run", await pattern.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var huge = await QueryAsync(server, key, string.Join(',', Enumerable.Range(0, 5000).Select(i => $"[\"is\",\"event:page\",[\"/{i}\"]]")));
        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
        Assert.Contains("filters: has 5000 conditions; at most 100 are allowed.", await huge.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A return URL that is not plain ASCII goes home instead of failing.
        Assert.Equal(HttpStatusCode.Found, await owner.PostFormAsync("/login?ReturnUrl=%2F%E3%80%82%2F", "login", ("Input.Email", "ada@example.com"), ("Input.Password", Password)));
        Assert.Equal("/", new Uri(owner.LastLocation!).AbsolutePath);

        // API 401s say how to authenticate; private answers are not stored by caches.
        using var anonymous = await server.Http.GetAsync("/api/v1/properties");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.StartsWith("Bearer", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.True((await ApiGetAsync(server, key, "/api/v1/properties")).Headers.CacheControl?.NoStore);
        foreach (var path in new[] { "/properties/site.example", "/properties/site.example/export.csv?dimension=event:page", "/properties/site.example/events.csv", "/account" })
        {
            using var response = await owner.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Headers.CacheControl?.NoStore, path);
        }

        // A 500 (PostgreSQL gone) still carries the security headers.
        await Process.Start("runuser", ["-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "stop", "-m", "fast", "-D", Path.Combine(server.Data, "postgres")])!.WaitForExitAsync();
        using var failed = await server.Http.GetAsync("/signup");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(Analytics.ServiceDefaults.ServiceDefaultsExtensions.ContentSecurityPolicy, failed.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("base-uri 'self'", Analytics.ServiceDefaults.ServiceDefaultsExtensions.ContentSecurityPolicy, StringComparison.Ordinal); // the router's <base href="/">, nothing else
    }

    [Fact]
    public async Task Metrics_OnlyForDirectLoopbackOrTheToken()
    {
        await using var server = await ServerProcess.StartAsync(engines, null, null, [], ("ANALYTICS_METRICS_TOKEN", "scrape-secret-123"));
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/metrics")).StatusCode);
        using var proxied = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        proxied.Headers.Add("X-Forwarded-For", "203.0.113.5");
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Http.SendAsync(proxied)).StatusCode);
        using var scraper = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        scraper.Headers.Add("X-Forwarded-For", "203.0.113.5");
        scraper.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "scrape-secret-123");
        Assert.Equal(HttpStatusCode.OK, (await server.Http.SendAsync(scraper)).StatusCode);
    }

    [Fact]
    public async Task DataDirectory_IsPrivate()
    {
        await using var server = await ServerProcess.StartAsync(engines);

        // 0711 as root (the private PostgreSQL passes through to its own directory), nothing inside readable by others.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute, File.GetUnixFileMode(server.Data));
        var open = Directory.EnumerateFileSystemEntries(server.Data, "*", SearchOption.AllDirectories)
            .Where(p => new FileInfo(p).LinkTarget is null && !Path.GetFileName(p).StartsWith(".s.PGSQL.", StringComparison.Ordinal)) // the socket, inside the cluster's 0700 directory
            .Where(p => (File.GetUnixFileMode(p) & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            .ToList();
        Assert.True(open.Count == 0, "Readable by others: " + string.Join(", ", open.Take(10)));
    }

    private static async Task<bool> HstsAsync(ServerProcess server, string? forwardedProto)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        if (forwardedProto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        }

        using var response = await server.Http.SendAsync(request);
        return response.Headers.Contains("Strict-Transport-Security");
    }

    private static async Task<HttpResponseMessage> QueryAsync(ServerProcess server, string key, string filters)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v2/query")
        {
            Content = new StringContent($"{{\"site_id\":\"site.example\",\"metrics\":[\"visitors\"],\"date_range\":\"7d\",\"filters\":[{filters}]}}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await server.Http.SendAsync(request);
    }

    private static async Task<HttpStatusCode> ApiAsync(ServerProcess server, string key) => (await ApiGetAsync(server, key, "/api/v1/properties")).StatusCode;

    private static async Task<HttpResponseMessage> ApiGetAsync(ServerProcess server, string key, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await server.Http.SendAsync(request);
    }

    private static string FormError(string html) => FormErrorRegex().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value.Trim()) : string.Empty;

    private static async Task<string> WaitForAsync(Func<string?> probe, string what)
    {
        for (var i = 0; i < 100; i++)
        {
            if (probe() is { } found)
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("Never saw " + what);
    }

    [GeneratedRegex(@"http://[^\s]+/signup\?setup=[A-Za-z0-9_%-]+")]
    private static partial Regex SetupRegex();

    [GeneratedRegex("ak_[A-Za-z0-9_-]+")]
    private static partial Regex KeyRegex();

    [GeneratedRegex(@"class=""form-error""[^>]*>([^<]*)<")]
    private static partial Regex FormErrorRegex();
}
