using Analytics.Storage.ApiKeys;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;
using Analytics.Tests.Infrastructure;
using Analytics.Dashboard.Accounts;
using Dapper;
using Analytics.Ingest.Sessions;

namespace Analytics.Tests.Postgres;

public sealed class StoreTests(Engines engines)
{
    [Fact]
    public async Task AddProperty_NormalizesDomainAndKeepsZone_RefusesDuplicatesAndBadZones()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var store = new PropertyStore(dataSource);

        var property = await store.AddAsync("https://www.Example.com/blog", null, "Asia/Kathmandu", null, CancellationToken.None);

        Assert.Equal("example.com", property.Domain);
        Assert.Equal("Asia/Kathmandu", property.Timezone);
        Assert.Equal(property, await store.FindByDomainAsync("EXAMPLE.com", CancellationToken.None));
        var duplicate = await Assert.ThrowsAsync<FieldValidationException>(() => store.AddAsync("example.com", null, "UTC", null, CancellationToken.None));
        Assert.Equal("domain", duplicate.Field);
        var zone = await Assert.ThrowsAsync<FieldValidationException>(() => store.AddAsync("other.com", null, "Europe/Atlantis", null, CancellationToken.None));
        Assert.Equal("timezone", zone.Field);
        Assert.Contains("Europe/Atlantis", zone.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<FieldValidationException>(() => store.AddAsync("not a domain", null, "UTC", null, CancellationToken.None));
    }

    [Fact]
    public async Task Goals_OfEachKind_WithDefaultNames_OneGoalPerTarget_AndBadInputNamesTheField()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var property = await new PropertyStore(dataSource).AddAsync("goals.example", null, "UTC", null, CancellationToken.None);
        var goals = new Analytics.Storage.Goals.GoalStore(dataSource);

        var signup = await goals.AddAsync(property.Id, new("Signup", null), CancellationToken.None);
        var purchase = await goals.AddAsync(property.Id, new("Purchase", null, Currency: "eur", CustomProps: new Dictionary<string, string> { ["plan"] = "pro" }), CancellationToken.None);
        var pricing = await goals.AddAsync(property.Id, new(null, "/pricing"), CancellationToken.None);
        var reading = await goals.AddAsync(property.Id, new(null, "/blog/**", 75, "Read a post"), CancellationToken.None);

        Assert.Equal(("Signup", Analytics.Storage.Goals.GoalKind.Event, (string?)null), (signup.DisplayName, signup.Kind, signup.Currency));
        Assert.Equal(("Purchase", "EUR", "pro"), (purchase.DisplayName, purchase.Currency, purchase.CustomProps["plan"]));
        Assert.Equal(("Visit /pricing", Analytics.Storage.Goals.GoalKind.Page), (pricing.DisplayName, pricing.Kind));
        Assert.Equal(("Read a post", Analytics.Storage.Goals.GoalKind.Scroll, (short?)75), (reading.DisplayName, reading.Kind, reading.ScrollThreshold));
        Assert.Equal(["Purchase", "Read a post", "Signup", "Visit /pricing"], (await goals.ListAsync(property.Id, CancellationToken.None)).Select(g => g.DisplayName));

        // The same target again, the same name again, and each kind of bad input: refused, naming the field.
        foreach (var (definition, field) in new (Analytics.Storage.Goals.GoalDefinition, string)[]
        {
            (new("Signup", null, DisplayName: "Signup again"), "event"),
            (new(null, "/pricing", DisplayName: "Pricing again"), "page"),
            (new("Other", null, DisplayName: "Signup"), "name"),
            (new(null, null), "event"),
            (new("Signup", "/pricing"), "event"),
            (new(null, "pricing"), "page"),
            (new(null, "/blog", 0), "scroll"),
            (new("Signup", null, 50), "scroll"),
            (new("Donation", null, Currency: "EURO"), "currency"),
            (new(null, "/shop", Currency: "EUR"), "currency"),
            (new(null, "/shop", CustomProps: new Dictionary<string, string> { ["plan"] = "pro" }), "props"),
            (new(new string('x', 121), null), "event"),
        })
        {
            var refused = await Assert.ThrowsAsync<FieldValidationException>(() => goals.AddAsync(property.Id, definition, CancellationToken.None));
            Assert.True(refused.Field == field, $"{definition}: {refused.Field} ({refused.Message}) instead of {field}");
        }

        Assert.True(await goals.DeleteAsync(property.Id, signup.Id, CancellationToken.None));
        Assert.False(await goals.DeleteAsync(property.Id, signup.Id, CancellationToken.None));
        Assert.False(await goals.DeleteAsync(property.Id + 1, pricing.Id, CancellationToken.None)); // another property's id deletes nothing
        Assert.Equal(3, (await goals.ListAsync(property.Id, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task ApiKey_IsStoredOnlyAsHash_AuthenticatesUntilRevoked()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var store = new ApiKeyStore(dataSource);

        var (key, secret) = await store.CreateAsync("export", null, null, CancellationToken.None);

        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            var dump = string.Join('\n', await connection.QueryAsync<string>("SELECT row_to_json(k)::text FROM api_keys k"));
            Assert.DoesNotContain(secret, dump, StringComparison.Ordinal);
            Assert.DoesNotContain(secret[10..], dump, StringComparison.Ordinal);
        }

        Assert.Equal(key.Id, (await store.AuthenticateAsync(secret, CancellationToken.None))?.Id);
        Assert.Null(await store.AuthenticateAsync(secret + "x", CancellationToken.None));
        Assert.True(await store.RevokeAsync(key.Id, CancellationToken.None));
        Assert.Null(await store.AuthenticateAsync(secret, CancellationToken.None));
        Assert.NotNull((await store.ListAsync(CancellationToken.None)).Single().LastUsedAt);
    }

    [Fact]
    public async Task ApiKeyScopes_ListedProperties_AllProperties_AndAUsersKeySeesOnlyItsUsersProperties()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var properties = new PropertyStore(dataSource);
        var keys = new ApiKeyStore(dataSource);
        var users = engines.NewUserStore(dataSource);
        await users.AddAsync("admin@example.com", "correct horse battery", admin: false, CancellationToken.None); // the admin also sees b (no members)
        var ada = await users.AddAsync("ada@example.com", "correct horse battery", admin: false, CancellationToken.None);
        var a = await properties.AddAsync("a.example", null, "UTC", ada.Id, CancellationToken.None);
        var b = await properties.AddAsync("b.example", null, "UTC", null, CancellationToken.None);

        var (onlyA, _) = await keys.CreateAsync("a only", null, [a.Id], CancellationToken.None);
        var (instance, _) = await keys.CreateAsync("everything", null, null, CancellationToken.None);
        var (adaAll, _) = await keys.CreateAsync("ada's", ada.Id, null, CancellationToken.None);
        var (adaB, _) = await keys.CreateAsync("ada's, for b", ada.Id, [b.Id], CancellationToken.None);

        Assert.Equal(["a.example"], (await keys.ReadablePropertiesAsync(onlyA, CancellationToken.None)).Select(p => p.Domain));
        Assert.Null(await keys.FindReadableAsync(onlyA, b.Id, CancellationToken.None));
        Assert.Null(await keys.FindReadableAsync(onlyA, "B.example", CancellationToken.None));
        Assert.Equal(a, await keys.FindReadableAsync(onlyA, "A.example", CancellationToken.None));
        Assert.Equal(["a.example", "b.example"], (await keys.ReadablePropertiesAsync(instance, CancellationToken.None)).Select(p => p.Domain));
        Assert.Equal(["a.example"], (await keys.ReadablePropertiesAsync(adaAll, CancellationToken.None)).Select(p => p.Domain));
        Assert.Empty(await keys.ReadablePropertiesAsync(adaB, CancellationToken.None)); // listed, but not Ada's
        await Assert.ThrowsAsync<FieldValidationException>(() => keys.CreateAsync("none", null, [], CancellationToken.None));

        // Scopes: reading statistics unless asked otherwise, kept in one order; none, or an unknown one, is refused naming the field.
        Assert.Equal("stats:read", onlyA.Scopes);
        var (both, _) = await keys.CreateAsync("both", null, [a.Id], CancellationToken.None, ["events", "stats:read"]);
        Assert.Equal(("stats:read,events", true, true), (both.Scopes, both.Allows("events"), both.Allows("stats:read")));
        Assert.False(onlyA.Allows("events"));
        Assert.Equal("scopes", (await Assert.ThrowsAsync<FieldValidationException>(() => keys.CreateAsync("x", null, [a.Id], CancellationToken.None, []))).Field);
        Assert.Equal("scopes", (await Assert.ThrowsAsync<FieldValidationException>(() => keys.CreateAsync("x", null, [a.Id], CancellationToken.None, ["stats:write"]))).Field);
    }

    [Fact]
    public async Task UpdateProperty_ChangesZoneAndWeekStart_RefusesBadValues()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var store = new PropertyStore(dataSource);
        var property = await store.AddAsync("example.com", null, "UTC", null, CancellationToken.None);
        Assert.Equal(1, property.WeekStart);

        var updated = await store.UpdateAsync(property.Id, null, "America/St_Johns", PropertyValidation.ParseWeekStart("sunday"), CancellationToken.None);

        Assert.Equal(property with { Timezone = "America/St_Johns", WeekStart = 7 }, updated);
        Assert.Equal("week_start", Assert.Throws<FieldValidationException>(() => PropertyValidation.ParseWeekStart("8")).Field);
        Assert.Equal("timezone", (await Assert.ThrowsAsync<FieldValidationException>(() => store.UpdateAsync(property.Id, null, "Mars/Olympus", null, CancellationToken.None))).Field);
        Assert.Null(await store.UpdateAsync(property.Id + 1, "x", null, null, CancellationToken.None));
    }

    [Fact]
    public async Task Users_FirstIsAdmin_PasswordsAreHashedAndVerified()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var store = engines.NewUserStore(dataSource);

        var first = await store.AddAsync("ada@example.com", "correct horse battery", admin: false, CancellationToken.None);
        var second = await store.AddAsync("grace@example.com", "another long password", admin: false, CancellationToken.None);

        Assert.True(first.IsAdmin);
        Assert.False(second.IsAdmin);
        Assert.Equal(first.Id, (await store.SignInAsync("ADA@example.com", "correct horse battery", "203.0.113.1", CancellationToken.None)).User?.Id);
        Assert.Null((await store.SignInAsync("ada@example.com", "wrong password!!", "203.0.113.1", CancellationToken.None)).User);
        await using var connection = await dataSource.OpenConnectionAsync();
        var hashes = string.Join('\n', await connection.QueryAsync<string>("SELECT password_hash FROM users"));
        Assert.DoesNotContain("correct horse", hashes, StringComparison.Ordinal);
        await Assert.ThrowsAsync<FieldValidationException>(() => store.AddAsync("short@example.com", "short", admin: false, CancellationToken.None));
    }

    [Fact]
    public async Task PropertyAccess_MembersSeeTheirs_AdminsAlsoSeeThoseWithoutMembers_OthersNothing()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var users = engines.NewUserStore(dataSource);
        var properties = new PropertyStore(dataSource);
        var admin = await users.AddAsync("admin@example.com", "correct horse battery", admin: false, CancellationToken.None);
        var grace = await users.AddAsync("grace@example.com", "correct horse battery", admin: false, CancellationToken.None);
        var linus = await users.AddAsync("linus@example.com", "correct horse battery", admin: false, CancellationToken.None);
        await properties.AddAsync("cli.example", null, "UTC", null, CancellationToken.None);
        await properties.AddAsync("grace.example", null, "UTC", grace.Id, CancellationToken.None);

        Assert.Equal(["cli.example owner"], (await properties.ListForUserAsync(admin.Id, CancellationToken.None)).Select(a => $"{a.Property.Domain} {PropertyRoles.Name(a.Role)}"));
        Assert.Equal(["grace.example owner"], (await properties.ListForUserAsync(grace.Id, CancellationToken.None)).Select(a => $"{a.Property.Domain} {PropertyRoles.Name(a.Role)}"));
        Assert.Empty(await properties.ListForUserAsync(linus.Id, CancellationToken.None));
        Assert.Null(await properties.FindForUserAsync(linus.Id, "grace.example", PropertyRole.Viewer, CancellationToken.None));
        Assert.Null(await properties.FindForUserAsync(admin.Id, "grace.example", PropertyRole.Viewer, CancellationToken.None));
        Assert.NotNull(await properties.FindForUserAsync(admin.Id, "cli.example", PropertyRole.Owner, CancellationToken.None));
        Assert.NotNull(await properties.FindForUserAsync(grace.Id, "GRACE.example", PropertyRole.Owner, CancellationToken.None));

        var keys = new ApiKeyStore(dataSource);
        var (key, _) = await keys.CreateAsync("admin's", admin.Id, null, CancellationToken.None);
        Assert.Equal(["cli.example"], (await keys.ReadablePropertiesAsync(key, CancellationToken.None)).Select(p => p.Domain));
        Assert.False(await keys.RevokeAsync(key.Id, CancellationToken.None, grace.Id));
        Assert.Empty(await keys.ListAsync(CancellationToken.None, grace.Id));
        Assert.True(await keys.RevokeAsync(key.Id, CancellationToken.None, admin.Id));
    }

    [Fact]
    public async Task Members_JoinByInvitation_WithTheirConfirmedAddressOnly_RolesNest_OneOwner_HandedOverByInvitation()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var users = engines.NewUserStore(dataSource);
        var properties = new PropertyStore(dataSource);
        var members = new MemberStore(dataSource);
        var root = await users.AddAsync("root@example.com", "correct horse battery", admin: false, CancellationToken.None); // the instance's admin
        var ada = await users.AddAsync("ada@example.com", "correct horse battery", admin: false, CancellationToken.None);
        var bob = await users.AddAsync("bob@example.com", "correct horse battery", admin: false, CancellationToken.None);
        var eve = await users.AddAsync("eve@example.com", "correct horse battery", admin: false, CancellationToken.None);
        var site = await properties.AddAsync("team.example", null, "UTC", ada.Id, CancellationToken.None);
        await properties.AddAsync("cli.example", null, "UTC", null, CancellationToken.None);

        // Only admins invite; only the owner invites an owner; members are not invited again.
        Assert.Equal("role", (await Assert.ThrowsAsync<FieldValidationException>(() => members.InviteAsync(site.Id, "bob@example.com", PropertyRole.Viewer, eve.Id, PropertyRole.Editor, CancellationToken.None))).Field);
        Assert.Equal("role", (await Assert.ThrowsAsync<FieldValidationException>(() => members.InviteAsync(site.Id, "bob@example.com", PropertyRole.Owner, eve.Id, PropertyRole.Admin, CancellationToken.None))).Field);
        Assert.Equal("email", (await Assert.ThrowsAsync<FieldValidationException>(() => members.InviteAsync(site.Id, "not an address", PropertyRole.Viewer, ada.Id, PropertyRole.Owner, CancellationToken.None))).Field);
        Assert.Contains("member already", (await Assert.ThrowsAsync<FieldValidationException>(() => members.InviteAsync(site.Id, "ADA@example.com", PropertyRole.Viewer, ada.Id, PropertyRole.Owner, CancellationToken.None))).Message, StringComparison.Ordinal);

        // Bob's invitation: not for Eve, not before Bob confirms his address, and a second invitation replaces the first.
        var (_, first) = await members.InviteAsync(site.Id, "bob@example.com", PropertyRole.Viewer, ada.Id, PropertyRole.Owner, CancellationToken.None);
        var (invitation, token) = await members.InviteAsync(site.Id, "Bob@Example.com", PropertyRole.Editor, ada.Id, PropertyRole.Owner, CancellationToken.None);
        Assert.Null(await members.OpenAsync(first, CancellationToken.None));
        Assert.Equal(("team.example", PropertyRole.Editor), (await members.OpenAsync(token, CancellationToken.None)) is { } open ? (open.Domain, open.Invitation.Role) : default);
        Assert.Single((await members.ListAsync(site.Id, CancellationToken.None)).Invitations);
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE users SET email_verified_at = now() WHERE id = @id", new { id = eve.Id });
        }

        Assert.Contains("for Bob@Example.com", (await Assert.ThrowsAsync<FieldValidationException>(() => members.AcceptAsync(token, eve.Id, CancellationToken.None))).Message, StringComparison.Ordinal);
        Assert.Contains("confirm", (await Assert.ThrowsAsync<FieldValidationException>(() => members.AcceptAsync(token, bob.Id, CancellationToken.None))).Message, StringComparison.Ordinal);
        Assert.Null(await properties.FindForUserAsync(bob.Id, "team.example", PropertyRole.Viewer, CancellationToken.None));

        // The mailed check confirms the address, for its own account only.
        var (_, check) = await users.CreateVerificationTokenAsync(bob.Id, CancellationToken.None);
        await Assert.ThrowsAsync<FieldValidationException>(() => users.VerifyEmailAsync(eve.Id, check, "203.0.113.1", CancellationToken.None));
        await users.VerifyEmailAsync(bob.Id, check, "203.0.113.1", CancellationToken.None);
        await Assert.ThrowsAsync<FieldValidationException>(() => users.VerifyEmailAsync(bob.Id, check, "203.0.113.1", CancellationToken.None)); // once
        Assert.True(await users.EmailVerifiedAsync(bob.Id, CancellationToken.None));
        Assert.Equal("team.example", await members.AcceptAsync(token, bob.Id, CancellationToken.None));
        await Assert.ThrowsAsync<FieldValidationException>(() => members.AcceptAsync(token, bob.Id, CancellationToken.None)); // answered

        // Roles nest: an editor reads and edits, but is no admin.
        Assert.Equal(PropertyRole.Editor, (await properties.FindForUserAsync(bob.Id, "team.example", PropertyRole.Viewer, CancellationToken.None))!.Role);
        Assert.NotNull(await properties.FindForUserAsync(bob.Id, "team.example", PropertyRole.Editor, CancellationToken.None));
        Assert.Null(await properties.FindForUserAsync(bob.Id, "team.example", PropertyRole.Admin, CancellationToken.None));
        Assert.Null(await properties.FindForUserAsync(root.Id, "team.example", PropertyRole.Viewer, CancellationToken.None)); // the instance's admin is no member
        await members.ChangeRoleAsync(site.Id, bob.Id, PropertyRole.Admin, PropertyRole.Owner, CancellationToken.None);
        Assert.Equal(PropertyRole.Admin, await properties.RoleAsync(bob.Id, site.Id, CancellationToken.None));

        // Nobody changes or removes the owner; ownership moves only by an invitation the new owner accepts.
        await Assert.ThrowsAsync<FieldValidationException>(() => members.ChangeRoleAsync(site.Id, ada.Id, PropertyRole.Viewer, PropertyRole.Owner, CancellationToken.None));
        await Assert.ThrowsAsync<FieldValidationException>(() => members.ChangeRoleAsync(site.Id, bob.Id, PropertyRole.Owner, PropertyRole.Owner, CancellationToken.None));
        Assert.False(await members.RemoveAsync(site.Id, ada.Id, CancellationToken.None));
        await members.RemoveAsync(site.Id, "ada@example.com", CancellationToken.None);
        var (_, handOver) = await members.InviteAsync(site.Id, "bob@example.com", PropertyRole.Owner, ada.Id, PropertyRole.Owner, CancellationToken.None);
        await members.AcceptAsync(handOver, bob.Id, CancellationToken.None);
        var (people, open2) = await members.ListAsync(site.Id, CancellationToken.None);
        Assert.Equal([("bob@example.com", PropertyRole.Owner), ("ada@example.com", PropertyRole.Admin)], people.Select(m => (m.Email, m.Role)));
        Assert.Empty(open2);
        Assert.True(await members.RemoveAsync(site.Id, ada.Id, CancellationToken.None));
        Assert.Null(await properties.FindForUserAsync(ada.Id, "team.example", PropertyRole.Viewer, CancellationToken.None));

        // Declining takes the invited address too; a declined invitation is gone.
        var (_, declined) = await members.InviteAsync(site.Id, "eve@example.com", PropertyRole.Editor, bob.Id, PropertyRole.Owner, CancellationToken.None);
        await Assert.ThrowsAsync<FieldValidationException>(() => members.DeclineAsync(declined, bob.Id, CancellationToken.None));
        await members.DeclineAsync(declined, eve.Id, CancellationToken.None);
        Assert.Null(await members.OpenAsync(declined, CancellationToken.None));
        Assert.Empty((await members.ListAsync(site.Id, CancellationToken.None)).Invitations);
        Assert.Null(await properties.RoleAsync(eve.Id, site.Id, CancellationToken.None));

        // An instance admin who invites to a property without members becomes its owner, so keeps it.
        var cli = (await properties.FindForUserAsync(root.Id, "cli.example", PropertyRole.Owner, CancellationToken.None))!.Property;
        var (_, toEve) = await members.InviteAsync(cli.Id, "eve@example.com", PropertyRole.Viewer, root.Id, PropertyRole.Owner, CancellationToken.None);
        await members.AcceptAsync(toEve, eve.Id, CancellationToken.None);
        Assert.Equal(PropertyRole.Owner, await properties.RoleAsync(root.Id, cli.Id, CancellationToken.None));
        Assert.Equal(PropertyRole.Viewer, await properties.RoleAsync(eve.Id, cli.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Notifications_CheckTheirInput_AlertsKeepQuiet_DeliveriesArePlannedOnce_ClaimedOnce_AndRequeuedOrRetried()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var site = await new PropertyStore(dataSource).AddAsync("notify.example", null, "UTC", null, CancellationToken.None);
        var store = new Analytics.Storage.Notifications.NotificationStore(dataSource);

        var weekly = await store.AddReportAsync(site.Id, "team@example.com", "week", CancellationToken.None);
        Assert.Equal(weekly, await store.AddReportAsync(site.Id, "TEAM@example.com", "WEEK", CancellationToken.None)); // the same one
        Assert.NotEqual(weekly.Id, (await store.AddReportAsync(site.Id, "team@example.com", "month", CancellationToken.None)).Id);
        Assert.Equal("every", (await Assert.ThrowsAsync<FieldValidationException>(() => store.AddReportAsync(site.Id, "team@example.com", "day", CancellationToken.None))).Field);
        Assert.Equal("email", (await Assert.ThrowsAsync<FieldValidationException>(() => store.AddReportAsync(site.Id, "team", "week", CancellationToken.None))).Field);
        foreach (var (kind, threshold, email, webhook, quiet, field) in new[]
        {
            ("surge", 10, "a@example.com", null, 24, "kind"),
            ("drop", 100, "a@example.com", null, 24, "threshold"),
            ("spike", 0, "a@example.com", null, 24, "threshold"),
            ("spike", 10, null, null, 24, "email"),
            ("spike", 10, "a@example.com", "https://hooks.example/x", 24, "email"),
            ("spike", 10, null, "file:///etc/passwd", 24, "webhook_url"),
            ("spike", 10, "a@example.com", null, 0, "quiet_hours"),
        })
        {
            var refused = await Assert.ThrowsAsync<FieldValidationException>(() => store.AddAlertAsync(site.Id, kind, threshold, email, webhook, quiet, CancellationToken.None));
            Assert.True(field == refused.Field, $"{kind} {threshold} {email} {webhook} {quiet}: {refused.Field} {refused.Message}");
        }

        // An alert fires, then keeps quiet for its hours; its delivery is planned with it.
        var alert = await store.AddAlertAsync(site.Id, "spike", 10, null, "https://hooks.example/x", 24, CancellationToken.None);
        var at = new DateTime(2026, 11, 2, 12, 0, 0, DateTimeKind.Utc);
        Assert.True(await store.FireAlertAsync(alert, at, "spike", "{}", CancellationToken.None));
        alert = (await store.ListAlertsAsync(site.Id, CancellationToken.None)).Single();
        Assert.False(await store.FireAlertAsync(alert, at.AddHours(23), "spike", "{}", CancellationToken.None));
        Assert.True(await store.FireAlertAsync(alert, at.AddHours(24), "spike", "{}", CancellationToken.None));

        // A report's occasion is planned once, whoever plans it; what is claimed is not claimed again until requeued.
        Assert.True(await store.EnqueueAsync(site.Id, $"report:{weekly.Id}", at, "email", weekly.Email, "weekly", "{}", CancellationToken.None));
        Assert.False(await store.EnqueueAsync(site.Id, $"report:{weekly.Id}", at, "email", weekly.Email, "weekly", "{}", CancellationToken.None));
        var claimed = await store.ClaimAsync(10, TimeSpan.FromMinutes(10), CancellationToken.None);
        Assert.Equal(3, claimed.Count);
        Assert.All(claimed, d => Assert.Equal(("sending", 1), (d.State, d.Attempts)));
        Assert.Empty(await store.ClaimAsync(10, TimeSpan.FromMinutes(10), CancellationToken.None));
        Assert.Equal(3, await store.RequeueInterruptedAsync(CancellationToken.None));
        claimed = await store.ClaimAsync(10, TimeSpan.FromMinutes(10), CancellationToken.None);
        Assert.All(claimed, d => Assert.Equal(2, d.Attempts));

        // Sent; failed and retried later; failed for good. The log shows each, newest first.
        await store.SentAsync(claimed[0].Id, CancellationToken.None);
        await store.FailedAsync(claimed[1].Id, "HTTP 500", TimeSpan.FromHours(1), CancellationToken.None);
        await store.FailedAsync(claimed[2].Id, "HTTP 404", null, CancellationToken.None);
        Assert.Empty(await store.ClaimAsync(10, TimeSpan.FromMinutes(10), CancellationToken.None)); // the retry waits its hour
        var log = (await store.DeliveriesAsync(site.Id, 10, CancellationToken.None)).ToDictionary(d => d.Id);
        Assert.Equal(("sent", null), (log[claimed[0].Id].State, log[claimed[0].Id].LastError));
        Assert.Equal(("pending", "HTTP 500"), (log[claimed[1].Id].State, log[claimed[1].Id].LastError));
        Assert.Equal(("failed", "HTTP 404"), (log[claimed[2].Id].State, log[claimed[2].Id].LastError));

        // Unsubscribing needs only the token.
        Assert.Equal(("notify.example", weekly.Id), (await store.FindByUnsubscribeTokenAsync(weekly.UnsubscribeToken, CancellationToken.None)) is { } found ? (found.Domain, found.Report.Id) : default);
        Assert.True(await store.UnsubscribeAsync(weekly.UnsubscribeToken, CancellationToken.None));
        Assert.False(await store.UnsubscribeAsync(weekly.UnsubscribeToken, CancellationToken.None));
        Assert.Null(await store.FindByUnsubscribeTokenAsync(weekly.UnsubscribeToken, CancellationToken.None));
    }

    [Fact]
    public async Task Migrations_RunTwice_AreApplied_Once()
    {
        await using var dataSource = await engines.NewPostgresAsync();

        var again = await new Analytics.Storage.Postgres.PostgresMigrator(dataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<Analytics.Storage.Postgres.PostgresMigrator>.Instance).MigrateAsync(CancellationToken.None);

        Assert.Equal(0, again);
    }

    [Fact]
    public async Task Salts_OnePerDay_KeepYesterday_DeleteOlder()
    {
        await using var dataSource = await engines.NewPostgresAsync();
        var store = new Analytics.Ingest.Visitors.SaltStore(dataSource);
        var day = new DateOnly(2026, 11, 20);

        var first = await store.GetAsync(day, CancellationToken.None);
        var again = await store.GetAsync(day, CancellationToken.None);
        var next = await store.GetAsync(day.AddDays(1), CancellationToken.None);
        var later = await store.GetAsync(day.AddDays(2), CancellationToken.None);

        Assert.Equal(first.Current, again.Current);
        Assert.Null(first.Previous);
        Assert.Equal(first.Current, next.Previous);
        Assert.NotEqual(first.Current, next.Current);
        Assert.Equal(next.Current, later.Previous);
        await using var connection = await dataSource.OpenConnectionAsync();
        var days = (await connection.QueryAsync<DateTime>("SELECT day::timestamp FROM visitor_salts ORDER BY day")).ToList();
        Assert.Equal([new DateTime(2026, 11, 21), new DateTime(2026, 11, 22)], days);
    }
}
