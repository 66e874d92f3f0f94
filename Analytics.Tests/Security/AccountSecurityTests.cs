using Analytics.Ingest.Events;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;
using Analytics.ServiceDefaults;
using Analytics.Tests.Infrastructure;
using Analytics.Dashboard.Accounts;
using Dapper;

namespace Analytics.Tests.Security;

/// <summary>
/// ASVS 5.0 level 2 on the account rules themselves, against the real PostgreSQL (and ClickHouse for the export):
/// password policy (V6.2), throttling (V6.3), reset tokens (V6.4), sessions (V7), the first admin, CSV export (V1.2).
/// </summary>
public sealed class AccountSecurityTests(Engines engines)
{
    private const string Password = "correct horse battery";

    [Theory]
    [InlineData("1234567890", "most common")]
    [InlineData("Password123", "most common")]
    [InlineData("qwertyuiop", "most common")]
    [InlineData("aaaaaaaaaa", "repeats")]
    [InlineData("abababababab", "repeats")]
    [InlineData("abcdefghijk", "sequence")]
    [InlineData("zyxwvutsrq", "sequence")]
    [InlineData("lovelace@example.com!", "email")]
    [InlineData("LoveLace-rules-1815", "email")]
    [InlineData("short", "at least 10")]
    public void PasswordPolicy_RefusesCommonRepeatedSequentialAndEmailPasswords(string password, string reason)
    {
        var e = Assert.Throws<FieldValidationException>(() => engines.Passwords.Check(password, "lovelace@example.com", "password"));
        Assert.Equal("password", e.Field);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PasswordPolicy_TakesLongPassphrases_UpTo256Characters_AndTheListIsTheWholePackage()
    {
        Assert.True(engines.Passwords.CommonCount > 40_000, engines.Passwords.CommonCount.ToString());
        engines.Passwords.Check(Password, "ada@example.com", "password");
        engines.Passwords.Check(string.Concat(Enumerable.Repeat("tide pool ", 24)) + "shellsX", "ada@example.com", "password");
        Assert.Contains("at most 256", Assert.Throws<FieldValidationException>(() => engines.Passwords.Check(new string('x', 200) + string.Concat(Enumerable.Range(0, 57).Select(i => (char)('a' + (i % 26)))), "a@b.c", "password")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throttle_TwentyConcurrentGuesses_CheckFivePasswords_AndAnUnknownAccountIsAnsweredAlike()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var users = engines.NewUserStore(dataSource);
        await users.AddAsync("ada@example.com", Password, admin: false, CancellationToken.None);

        foreach (var email in new[] { "ada@example.com", "nobody@example.com" })
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => users.SignInAsync(email, "wrong guess " + i, "198.51.100.7", CancellationToken.None)));
            Assert.Equal(5, results.Count(r => r.LockedUntil is null));
            Assert.All(results, r => Assert.Null(r.User));
            Assert.True(results.Max(r => r.LockedUntil) > DateTime.UtcNow.AddMinutes(14));

            // The right password does not get through either, from that network; the owner elsewhere is not locked out.
            Assert.NotNull((await users.SignInAsync(email, Password, "198.51.100.7", CancellationToken.None)).LockedUntil);
        }

        Assert.NotNull((await users.SignInAsync("ada@example.com", Password, "203.0.113.9", CancellationToken.None)).User);
    }

    [Fact]
    public async Task Throttle_OneNetworkSprayingManyAccounts_IsRefusedAfterTwentyWrongPasswords()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var users = engines.NewUserStore(dataSource);
        var network = ClientNetwork.Of(System.Net.IPAddress.Parse("2001:db8:1:2::1"));
        Assert.Equal(network, ClientNetwork.Of(System.Net.IPAddress.Parse("2001:db8:1:2:ffff::9"))); // one /64, one count
        Assert.Equal("2001:db8:1:2::/64", network);

        var answered = 0;
        for (var i = 0; i < 12 * 2; i++)
        {
            var result = await users.SignInAsync($"user{i % 12}@example.com", "spray password", network, CancellationToken.None);
            answered += result.LockedUntil is null ? 1 : 0;
        }

        Assert.Equal(AttemptThrottle.PerNetwork, answered);
        Assert.NotNull((await users.SignInAsync("fresh@example.com", "spray password", network, CancellationToken.None)).LockedUntil);
        Assert.Null((await users.SignInAsync("fresh@example.com", "spray password", "203.0.113.10", CancellationToken.None)).LockedUntil);
    }

    [Fact]
    public async Task Throttle_WrongCurrentPasswordsCount_AndResetRequestsAreThrottledAlike()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var users = engines.NewUserStore(dataSource);
        var ada = await users.AddAsync("ada@example.com", Password, admin: false, CancellationToken.None);
        for (var i = 0; i < AttemptThrottle.PerAccountAndNetwork; i++)
        {
            Assert.Equal("current_password", (await Assert.ThrowsAsync<FieldValidationException>(() => users.ChangePasswordAsync(ada.Id, "wrong " + i, "a fresh long password", "198.51.100.8", CancellationToken.None))).Field);
        }

        await Assert.ThrowsAsync<ThrottledException>(() => users.ChangePasswordAsync(ada.Id, Password, "a fresh long password", "198.51.100.8", CancellationToken.None));

        foreach (var email in new[] { "ada@example.com", "nobody@example.com" })
        {
            for (var i = 0; i < AttemptThrottle.ResetsPerAccount; i++)
            {
                await users.CreateResetTokenAsync(email, "198.51.100.20", CancellationToken.None);
            }

            await Assert.ThrowsAsync<ThrottledException>(() => users.CreateResetTokenAsync(email, "198.51.100.20", CancellationToken.None));
        }

        // The operator's command line is not counted.
        Assert.NotNull(await users.CreateResetTokenAsync("ada@example.com", null, CancellationToken.None));
    }

    [Fact]
    public async Task ResetTokens_ANewOneVoidsEarlierOnes_UsingOneEndsSessions_AndTokensAreKeptHashed()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var users = engines.NewUserStore(dataSource);
        var sessions = new SessionStore(dataSource);
        var ada = await users.AddAsync("ada@example.com", Password, admin: false, CancellationToken.None);
        var (session, _) = await sessions.StartAsync(ada.Id, "Firefox", "198.51.100.1", SessionLimits.Default, CancellationToken.None);

        var (_, older) = (await users.CreateResetTokenAsync("ada@example.com", "198.51.100.1", CancellationToken.None))!.Value;
        var (_, newer) = (await users.CreateResetTokenAsync("ADA@example.com", "198.51.100.1", CancellationToken.None))!.Value;
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            var stored = string.Join('\n', await connection.QueryAsync<string>("SELECT row_to_json(r)::text FROM password_resets r"));
            Assert.DoesNotContain(older, stored, StringComparison.Ordinal);
            Assert.DoesNotContain(newer, stored, StringComparison.Ordinal);
        }

        Assert.Equal("token", (await Assert.ThrowsAsync<FieldValidationException>(() => users.ResetPasswordAsync(older, "a brand new password", "198.51.100.1", CancellationToken.None))).Field);
        Assert.Equal("new_password", (await Assert.ThrowsAsync<FieldValidationException>(() => users.ResetPasswordAsync(newer, "ada@example.com-1", "198.51.100.1", CancellationToken.None))).Field);
        Assert.Equal(ada.Id, (await users.ResetPasswordAsync(newer, "a brand new password", "198.51.100.1", CancellationToken.None)).Id);
        Assert.Equal("token", (await Assert.ThrowsAsync<FieldValidationException>(() => users.ResetPasswordAsync(newer, "a third password!", "198.51.100.1", CancellationToken.None))).Field);
        Assert.Null(await sessions.ValidateAsync(session, SessionLimits.Default, CancellationToken.None));

        // A token issued before a password change is void after it.
        var (_, beforeChange) = (await users.CreateResetTokenAsync("ada@example.com", null, CancellationToken.None))!.Value;
        await users.ChangePasswordAsync(ada.Id, "a brand new password", "another long one", "198.51.100.1", CancellationToken.None);
        await Assert.ThrowsAsync<FieldValidationException>(() => users.ResetPasswordAsync(beforeChange, "a fourth password", "198.51.100.1", CancellationToken.None));
    }

    private static readonly SessionLimits Limits = new(TimeSpan.FromDays(14), TimeSpan.FromHours(24));

    [Fact]
    public async Task Session_EndsOnLogout()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var ada = await engines.NewUserStore(dataSource).AddAsync("ada@example.com", Password, admin: false, CancellationToken.None);
        var sessions = new SessionStore(dataSource);
        var (token, _) = await sessions.StartAsync(ada.Id, "Firefox", "198.51.100.1", Limits, CancellationToken.None);
        Assert.Equal(ada.Id, (await sessions.ValidateAsync(token, Limits, CancellationToken.None))?.User.Id);

        Assert.True(await sessions.EndAsync(token, CancellationToken.None));

        Assert.Null(await sessions.ValidateAsync(token, Limits, CancellationToken.None));
    }

    [Fact]
    public async Task Session_EndsWhenIdleOrPastItsLifetime_AndIsKeptOnlyAsItsHash()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var ada = await engines.NewUserStore(dataSource).AddAsync("ada@example.com", Password, admin: false, CancellationToken.None);
        var sessions = new SessionStore(dataSource);
        var (idle, _) = await sessions.StartAsync(ada.Id, "Chromium", "198.51.100.1", Limits, CancellationToken.None);
        var (old, _) = await sessions.StartAsync(ada.Id, "Safari", "198.51.100.1", Limits, CancellationToken.None);

        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE user_sessions SET last_seen_at = now() - interval '25 hours' WHERE token_hash = @h", new { h = Secrets.Hash(idle) });
            await connection.ExecuteAsync("UPDATE user_sessions SET created_at = now() - interval '15 days', expires_at = now() - interval '1 day' WHERE token_hash = @h", new { h = Secrets.Hash(old) });
            var stored = string.Join('\n', await connection.QueryAsync<string>("SELECT row_to_json(s)::text FROM user_sessions s"));
            Assert.DoesNotContain(idle, stored, StringComparison.Ordinal);
            Assert.DoesNotContain(old, stored, StringComparison.Ordinal);
        }

        Assert.Null(await sessions.ValidateAsync(idle, Limits, CancellationToken.None));
        Assert.Null(await sessions.ValidateAsync(old, Limits, CancellationToken.None));
        Assert.Empty(await sessions.ListAsync(ada.Id, Limits, CancellationToken.None));
    }

    [Fact]
    public async Task Session_OnlyItsOwnerEndsIt_AndDisablingTheAccountEndsItAndStopsLogIns()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var users = engines.NewUserStore(dataSource);
        var sessions = new SessionStore(dataSource);
        var ada = await users.AddAsync("ada@example.com", Password, admin: false, CancellationToken.None);
        var grace = await users.AddAsync("grace@example.com", Password, admin: false, CancellationToken.None);
        var (graces, _) = await sessions.StartAsync(grace.Id, "Edge", "198.51.100.2", Limits, CancellationToken.None);
        var gracesId = (await sessions.ListAsync(grace.Id, Limits, CancellationToken.None)).Single().Id;

        Assert.False(await sessions.EndAsync(ada.Id, gracesId, CancellationToken.None));
        Assert.NotNull(await sessions.ValidateAsync(graces, Limits, CancellationToken.None));

        await users.SetDisabledAsync("grace@example.com", disabled: true, ada.Id, "198.51.100.1", CancellationToken.None);
        Assert.Null(await sessions.ValidateAsync(graces, Limits, CancellationToken.None));
        Assert.Null((await users.SignInAsync("grace@example.com", Password, "198.51.100.2", CancellationToken.None)).User);

        await users.SetDisabledAsync("grace@example.com", disabled: false, ada.Id, "198.51.100.1", CancellationToken.None);
        Assert.NotNull((await users.SignInAsync("grace@example.com", Password, "198.51.100.2", CancellationToken.None)).User);
        Assert.Equal("email", (await Assert.ThrowsAsync<FieldValidationException>(() => users.SetDisabledAsync("ada@example.com", true, ada.Id, "198.51.100.1", CancellationToken.None))).Field);
    }

    [Fact]
    public async Task Bootstrap_OverlappingSignUpsOnAFreshServer_MakeOneAdmin_AndTheSetupTokenWorksOnce()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var users = engines.NewUserStore(dataSource);
        var made = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => users.AddAsync($"racer{i}@example.com", Password, admin: false, CancellationToken.None)));
        Assert.Single(made, u => u.IsAdmin);

        await using var fresh = await engines.NewPostgresAsync();
        var closed = engines.NewUserStore(fresh);
        var older = await closed.NewSetupTokenAsync(CancellationToken.None);
        var token = await closed.NewSetupTokenAsync(CancellationToken.None);
        Assert.NotNull(older);
        Assert.Equal("setup", (await Assert.ThrowsAsync<FieldValidationException>(() => closed.AddFirstAdminAsync("ada@example.com", Password, older!, CancellationToken.None))).Field);
        var attempts = await Task.WhenAll(Enumerable.Range(0, 4).Select(async i =>
        {
            try
            {
                return await closed.AddFirstAdminAsync($"admin{i}@example.com", Password, token!, CancellationToken.None);
            }
            catch (FieldValidationException)
            {
                return null;
            }
        }));
        Assert.True(Assert.Single(attempts, u => u is not null)!.IsAdmin);
        Assert.Null(await closed.NewSetupTokenAsync(CancellationToken.None)); // an account exists: no more setup links
    }

    [Fact]
    public async Task RawCsvExport_NeutralisesFormulas_JsonLinesStayExact()
    {
        var clickHouse = await engines.NewClickHouseAsync();
        var property = new Property(1, "csv.example", "csv.example", "UTC", DateTime.UtcNow, 1, string.Empty, null, false);
        var values = new[] { "=HYPERLINK(\"http://evil.example\")", "+1+2", "-3", "@SUM(A1)", " =1+1", "\t=x", "\u0000=x", "plain", "'quoted" };
        var lines = values.Select((v, i) => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["timestamp"] = $"2026-11-01T10:00:0{i}Z", ["name"] = "pageview", ["hostname"] = "csv.example", ["pathname"] = "/p" + i, ["utm_campaign"] = v,
            ["visitor_id"] = $"{i + 1}", ["session_id"] = $"{i + 1}", // a session each: the campaign is the session's
        }));
        await using (var input = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines))))
        {
            Assert.Equal(values.Length, await Analytics.Ingest.Transfer.EventImport.RunAsync(clickHouse, property, input, _ => { }, CancellationToken.None));
        }

        using var csv = new MemoryStream();
        await EventExport.WriteAsync(clickHouse, property, null, null, "csv", csv, _ => { }, CancellationToken.None);
        var text = System.Text.Encoding.UTF8.GetString(csv.ToArray());
        foreach (var formula in values[..7])
        {
            Assert.Contains("\"'" + formula.Replace("\"", "\"\"", StringComparison.Ordinal), text, StringComparison.Ordinal);
        }

        Assert.Contains("\"plain\"", text, StringComparison.Ordinal);
        using var jsonl = new MemoryStream();
        await EventExport.WriteAsync(clickHouse, property, null, null, "jsonl", jsonl, _ => { }, CancellationToken.None);
        var exact = System.Text.Encoding.UTF8.GetString(jsonl.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("utm_campaign").GetString()).ToList();
        Assert.Equal(values, exact);
    }
}
