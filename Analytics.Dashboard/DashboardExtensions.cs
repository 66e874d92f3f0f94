using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.RegularExpressions;
using Analytics.Storage.ClickHouse;
using Analytics.Dashboard.Accounts;
using Analytics.Ingest.Events;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;
using Analytics.Storage.Notifications;
using Analytics.Api.Reports;
using Analytics.ServiceDefaults;
using Analytics.Api;
using Analytics.Ingest;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodaTime;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor.Services;

namespace Analytics.Dashboard;

/// <summary>
/// The dashboard role: Razor components with MudBlazor. The property pages are interactive (server rendering over a
/// circuit, prerendered so the first answer is the complete view); sign-in, sign-up, password and account pages stay
/// static forms (they set cookies). Accounts sign in with a cookie; forms carry antiforgery tokens. Its static files
/// (MudBlazor's, the framework's and ours under wwwroot) come from the static web assets manifest through <c>MapStaticAssets</c>.
/// </summary>
public static class DashboardExtensions
{
    /// <summary>The claim that carries the sign-in session's token (<see cref="SessionStore"/>).</summary>
    public const string SessionClaim = "analytics:session";

    /// <param name="dataDirectory">Where a single node keeps the key that encrypts the cookie keys (<see cref="KeyRing"/>), unless it is configured.</param>
    /// <param name="passwords">What new passwords must be (<see cref="PasswordPolicy.LoadAsync"/>).</param>
    public static IServiceCollection AddDashboard(this IServiceCollection services, IConfiguration configuration, string dataDirectory, PublicUrl publicUrl, PasswordPolicy passwords)
    {
        services.AddAccounts(passwords).AddReporting(configuration).AddEventData();
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddScoped<DashboardLoader>();
        services.AddSingleton<ShareAccess>();
        services.AddSingleton<TwoFactor>();
        services.AddSettings<DashboardOptions>(configuration, DashboardOptions.Section);
        services.AddSingleton<AccountMail>();
        services.AddNotifications(configuration);
        services.AddHostedService(provider => provider.GetRequiredService<Notifications.Scheduler>());
        services.AddSingleton(provider => KeyRing.LoadKey(provider.GetRequiredService<DashboardOptions>().KeyEncryptionKey, dataDirectory));
        services.AddSingleton<KeyRing>();
        services.AddDataProtection().SetApplicationName("analytics");
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((keys, provider) =>
        {
            keys.XmlRepository = provider.GetRequiredService<KeyRing>();
            keys.XmlEncryptor = new KeyEncryptor(provider.GetRequiredService<KeyEncryptionKey>());
        });

        // Behind https the cookies are Secure and take the __Host- prefix (DashboardCookies).
        var secure = publicUrl.IsHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = DashboardCookies.Name(publicUrl, "analytics_antiforgery");
            antiforgery.Cookie.SecurePolicy = secure;
        });
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme).Configure<DashboardOptions>((cookie, options) =>
        {
            cookie.Cookie.Name = DashboardCookies.Name(publicUrl, "analytics_session");
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = secure;
            cookie.ExpireTimeSpan = options.Limits.Lifetime;
            cookie.SlidingExpiration = false;
            cookie.LoginPath = "/login";
            cookie.AccessDeniedPath = "/login";
            cookie.Events.OnValidatePrincipal = ValidateSessionAsync;
        });
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, SessionRevalidation>();
        return services;
    }

    /// <summary>Accounts and their sign-in sessions, which the <c>users</c> commands use as well as the dashboard.</summary>
    public static IServiceCollection AddAccounts(this IServiceCollection services, PasswordPolicy passwords)
    {
        services.TryAddSingleton(passwords);
        services.TryAddSingleton<SecurityLog>();
        services.TryAddSingleton<AttemptThrottle>();
        services.TryAddSingleton<UserStore>();
        services.TryAddSingleton<SessionStore>();
        return services;
    }

    public static WebApplication MapDashboardEndpoints(this WebApplication app)
    {
        // Read now, so that a malformed or damaged key-encryption key stops the start instead of a first sign-in.
        app.Services.GetRequiredService<KeyEncryptionKey>();
        UseEmbeddableShares(app);

        // Signed-in state and form tokens belong to the dashboard's pages. The collect endpoint skips them: an owner's own
        // browser may send it the session cookie, and checking the session costs a PostgreSQL query per event.
        app.UseWhen(
            context => !context.Request.Path.StartsWithSegments("/api/event", StringComparison.Ordinal),
            dashboard =>
            {
                dashboard.UseAuthentication();
                dashboard.UseAuthorization();
                dashboard.UseAntiforgery();
                dashboard.Use(LogAntiforgeryRejection);
            });

        // WebApplication puts authentication and authorization in front of the whole pipeline unless the app added them
        // itself, which it cannot see inside the branch above: mark them added (the keys UseAuthentication and
        // UseAuthorization set), or collect would check the cookie after all.
        var properties = ((IApplicationBuilder)app).Properties;
        properties["__AuthenticationMiddlewareSet"] = true;
        properties["__AuthorizationMiddlewareSet"] = true;
        app.MapStaticAssets();
        app.MapRazorComponents<Components.App>().AddInteractiveServerRenderMode();
        app.MapPost("/logout", LogOutAsync).WithMetadata(new RequireAntiforgeryTokenAttribute());
        var property = app.MapGroup("/properties/{domain}").RequireAuthorization();
        property.MapGet("/export.csv", ExportCsvAsync);
        property.MapGet("/events.{format}", ExportEventsAsync);
        var share = app.MapGroup("/share/{domain}");
        share.MapGet("/export.csv", ExportSharedCsvAsync);

        // RFC 8058's one-click unsubscribe, which mail clients post from a report's List-Unsubscribe header: the token is
        // the only credential (the page /unsubscribe asks first, for people who follow the link in the mail).
        app.MapPost("/unsubscribe/one-click", async ([FromQuery] string? token, NotificationStore notifications, HttpContext http) =>
            await notifications.UnsubscribeAsync(token ?? string.Empty, http.RequestAborted)
                ? Results.Text("Unsubscribed.")
                : Results.Problem("token: there is no report with this unsubscribe link (any more).", statusCode: StatusCodes.Status404NotFound)).DisableAntiforgery();
        return app;
    }

    /// <summary>
    /// Email reports and traffic alerts: their scheduler (a hosted service of dashboard processes; one of them runs it),
    /// rendering and delivery. The command line adds these too, to send a report at once.
    /// </summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<Notifications.SchedulerOptions>(configuration, Notifications.SchedulerOptions.Section);
        services.AddHttpClient(Notifications.Deliverer.WebhookClient, client => client.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false });
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<Notifications.ReportMail>();
        services.AddSingleton<Notifications.Deliverer>();
        services.AddSingleton<Notifications.Scheduler>();
        return services;
    }

    /// <summary>
    /// Only the dashboard of a shared link its owner made embeddable may be framed by other sites' pages
    /// (<c>embed=true</c>): for that page the policy says <c>frame-ancestors *</c>; every other answer keeps
    /// <c>'none'</c>.
    /// </summary>
    private static void UseEmbeddableShares(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (HttpMethods.IsGet(context.Request.Method) && context.Request.Query["embed"] == "true"
                && context.Request.Path.StartsWithSegments("/share", StringComparison.Ordinal, out var rest)
                && rest.Value?.Trim('/') is { Length: > 0 } domain && !domain.Contains('/', StringComparison.Ordinal)
                && await context.RequestServices.GetRequiredService<SharedLinkStore>().OpenAsync(domain, context.Request.Query["auth"], context.RequestAborted) is { Link.Embeddable: true })
            {
                context.Items[ServiceDefaultsExtensions.FrameableItem] = true;
            }

            await next(context);
        });
    }

    /// <summary>The CSV export of a shared or public dashboard's breakdown, for whoever may open that dashboard.</summary>
    private static async Task<IResult> ExportSharedCsvAsync(string domain, [FromQuery] string? dimension, [FromQuery] string? auth, HttpContext http, PropertyStore properties, SharedLinkStore links, ShareAccess access, SegmentStore segments, ReportEngine engine, DashboardLoader loader)
    {
        var site = auth is null ? await properties.FindByDomainAsync(domain, http.RequestAborted) is { IsPublic: true } open ? open : null
            : await links.OpenAsync(domain, auth, http.RequestAborted) is var (shared, link) && (!link.HasPassword || access.IsUnlocked(http, link)) ? shared : null;
        if (site is null)
        {
            return NotReadable(domain);
        }

        loader.Segments = await segments.ListAsync(site.Id, null, http.RequestAborted); // the shared segments only
        return await CsvAsync(site, dimension, http, engine, loader);
    }

    /// <summary>
    /// On a server with closed sign-up and no account yet, prints a one-time link that makes the first admin (valid a
    /// day; every start makes a new one and voids the last), next to the command that does the same.
    /// </summary>
    public static async Task AnnounceSetupAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetRequiredService<DashboardOptions>().OpenSignup
            || await services.GetRequiredService<UserStore>().NewSetupTokenAsync(cancellationToken) is not { } token)
        {
            return;
        }

        var link = services.GetRequiredService<PublicUrl>().Link("/signup?setup=" + Uri.EscapeDataString(token));
        Console.Error.WriteLine($"No account exists yet and sign-up is closed. Create the admin at {link} (valid for a day, once), or with: analytics users add EMAIL --admin");
    }

    /// <summary>The signed-in user's id.</summary>
    public static long UserId(this ClaimsPrincipal user)
        => long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Not signed in."), CultureInfo.InvariantCulture);

    /// <summary>The signed-in browser's session id (as the account page lists it), or null.</summary>
    public static long? SessionId(this HttpContext http) => http.Items[SessionClaim] as long?;

    /// <summary>
    /// Starts a server-side session for the user and gives this browser its cookie. On the log-in page,
    /// <paramref name="redirectTo"/> is the checked local path it goes to next: the cookie handler would otherwise follow
    /// the raw ReturnUrl of the page's address itself (and fail on one that is not ASCII).
    /// </summary>
    public static async Task SignInAsync(HttpContext http, User user, string? redirectTo = null)
    {
        var limits = http.RequestServices.GetRequiredService<DashboardOptions>().Limits;
        var network = http.RequestServices.GetRequiredService<ClientAddress>().Network(http);
        var (token, expires) = await http.RequestServices.GetRequiredService<SessionStore>()
            .StartAsync(user.Id, http.Request.Headers.UserAgent.ToString(), network, limits, http.RequestAborted);
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id.ToString(CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Name, user.Email),
            new Claim(SessionClaim, token),
            .. user.IsAdmin ? new[] { new Claim(ClaimTypes.Role, "admin") } : [],
        ], CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity), new AuthenticationProperties
        {
            IsPersistent = true,
            ExpiresUtc = expires,
            AllowRefresh = false,
            RedirectUri = redirectTo,
        });
    }

    /// <summary>Every request checks its session on the server: ended, expired, idle or disabled means signed out.</summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var http = context.HttpContext;
        var token = context.Principal?.FindFirstValue(SessionClaim);
        var live = token is null ? null : await http.RequestServices.GetRequiredService<SessionStore>()
            .ValidateAsync(token, http.RequestServices.GetRequiredService<DashboardOptions>().Limits, http.RequestAborted);
        if (live is not { } session)
        {
            context.RejectPrincipal();
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }

        http.Items[SessionClaim] = session.SessionId;
        if (session.User.IsAdmin != context.Principal!.IsInRole("admin"))
        {
            // A role granted or taken away since the sign-in holds from the next request on.
            var identity = new ClaimsIdentity(context.Principal.Claims.Where(c => c.Type != ClaimTypes.Role), CookieAuthenticationDefaults.AuthenticationScheme);
            if (session.User.IsAdmin)
            {
                identity.AddClaim(new Claim(ClaimTypes.Role, "admin"));
            }

            context.ReplacePrincipal(new ClaimsPrincipal(identity));
        }
    }

    /// <summary>Ends the session on the server too, so a copy of the cookie no longer signs anyone in.</summary>
    private static async Task<IResult> LogOutAsync(HttpContext http, SessionStore sessions, SecurityLog log, ClientAddress clients)
    {
        if (http.Features.Get<IAntiforgeryValidationFeature>() is not { IsValid: true })
        {
            return Results.Problem("A valid antiforgery token was not sent: log out with the dashboard's Log out button.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (http.User.FindFirstValue(SessionClaim) is { } token && await sessions.EndAsync(token, http.RequestAborted))
        {
            log.Write("logout", "succeeded", http.User.UserId(), http.User.Identity?.Name, clients.Network(http));
        }

        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Results.LocalRedirect("/login");
    }

    private static async Task LogAntiforgeryRejection(HttpContext context, RequestDelegate next)
    {
        await next(context);
        if (context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false } rejected)
        {
            context.RequestServices.GetRequiredService<SecurityLog>().Write(
                "antiforgery", "refused", context.User.Identity?.IsAuthenticated == true ? context.User.UserId() : null, context.User.Identity?.Name,
                context.RequestServices.GetRequiredService<ClientAddress>().Network(context), $"{context.Request.Method} {context.Request.Path}: {rejected.Error?.Message}");
        }
    }

    /// <summary>
    /// One breakdown of the dashboard as CSV: the same query as its panel, up to 10,000 rows; "top" is the top stats and
    /// "time" the graph's series (its metric and interval as the page shows them), each with the comparison when asked.
    /// </summary>
    private static async Task<IResult> ExportCsvAsync(string domain, [FromQuery] string? dimension, HttpContext http, PropertyStore properties, SegmentStore segments, ReportEngine engine, DashboardLoader loader)
    {
        if (await properties.FindForUserAsync(http.User.UserId(), domain, PropertyRole.Viewer, http.RequestAborted) is not { Property: var site })
        {
            return NotReadable(domain);
        }

        loader.Segments = await segments.ListAsync(site.Id, http.User.UserId(), http.RequestAborted);
        return await CsvAsync(site, dimension, http, engine, loader);
    }

    private static async Task<IResult> CsvAsync(Property site, string? dimension, HttpContext http, ReportEngine engine, DashboardLoader loader)
    {
        var view = DashboardView.FromUri(site.Domain, http.Request.QueryString.Value ?? string.Empty);
        var tab = dimension switch
        {
            "top" => new PanelTab("top", "Top stats", "top", DashboardLoader.TopMetrics),
            "time" => new PanelTab("time", "Graph", "time", [view.Graph]),
            _ => Panels.ByDimension(dimension ?? string.Empty),
        };
        if (tab is null)
        {
            return Results.Problem($"dimension: '{dimension}' is not one of the dashboard's breakdowns (e.g. visit:source, event:page), top or time.", statusCode: StatusCodes.Status400BadRequest);
        }

        try
        {
            var (query, comparison) = await loader.QueryAsync(site, view, tab.Metrics, http.RequestAborted);
            var interval = DashboardLoader.Interval(view, query.Range);
            query = tab.Key switch
            {
                "top" => query,
                "time" => query with { Dimensions = [Dimension.Parse("time", "dimension", interval)] },
                _ => tab.Query(query, ReportEngine.MaxLimit),
            };
            var result = await engine.RunAsync(query, comparison, http.RequestAborted);
            var csv = new StringBuilder();
            var label = tab.Key == "time" ? "time:" + interval.ToString().ToLowerInvariant() : tab.Dimension;
            var names = query.Metrics.Select(Metrics.Name).ToList();
            csv.AppendJoin(',', [.. tab.Key == "top" ? [] : new[] { Csv(label) }, .. names.Select(Csv), .. comparison is null ? [] : names.Select(n => Csv(n + "_comparison"))]).Append("\r\n");
            foreach (var row in result.Rows)
            {
                var values = row.Metrics.Concat(comparison is null ? [] : row.Comparison?.Metrics ?? []).Select(v => double.IsNaN(v) ? string.Empty : v.ToString(CultureInfo.InvariantCulture));
                csv.AppendJoin(',', [.. tab.Key == "top" ? [] : new[] { Csv(row.Dimensions[0]) }, .. values]).Append("\r\n");
            }

            var name = $"{site.Domain}-{label.Replace(':', '-')}-{query.Range.FirstDay?.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}-{query.Range.LastDay?.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}.csv";
            return Results.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", name);
        }
        catch (FieldValidationException e)
        {
            return Results.Problem($"{e.Field}: {e.Message}", statusCode: StatusCodes.Status400BadRequest);
        }
    }

    /// <summary>
    /// Every event of the property, exactly as <c>analytics export</c> writes them (so <c>analytics import</c> reads them
    /// back): admins and the owner only, as it is all of the raw data. Streamed a month at a time.
    /// </summary>
    private static async Task<IResult> ExportEventsAsync(string domain, string format, HttpContext http, PropertyStore properties, IClickHouse clickHouse)
    {
        if (await properties.FindForUserAsync(http.User.UserId(), domain, PropertyRole.Viewer, http.RequestAborted) is not { } access)
        {
            return NotReadable(domain);
        }

        if (!access.May(PropertyRole.Admin))
        {
            return Results.Problem($"Exporting every event of '{domain}' needs the admin role; yours is {access.Role.Name()}.", statusCode: StatusCodes.Status403Forbidden);
        }

        var site = access.Property;

        if (!EventExport.Formats.Contains(format))
        {
            return Results.Problem($"format: '{format}' is not one of {string.Join(", ", EventExport.Formats)}.", statusCode: StatusCodes.Status400BadRequest);
        }

        http.Response.ContentType = format switch
        {
            "csv" => "text/csv; charset=utf-8",
            "parquet" => "application/vnd.apache.parquet",
            _ => "application/x-ndjson; charset=utf-8",
        };
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{site.Domain}-events.{format}\"";
        await EventExport.WriteAsync(clickHouse, site, null, null, format, http.Response.Body, _ => { }, http.RequestAborted);
        return Results.Empty;
    }

    private static IResult NotReadable(string domain)
        => Results.Problem($"There is no property '{domain}' that you may read.", statusCode: StatusCodes.Status404NotFound);

    /// <summary>The raw export's formula rule (<see cref="EventExport.FormulaPattern"/>), so both CSVs neutralise alike.</summary>
    private static readonly Regex Formula = new(EventExport.FormulaPattern, RegexOptions.CultureInvariant);

    /// <summary>A CSV field: quoted when needed, with a leading apostrophe when a spreadsheet would run it as a formula.</summary>
    private static string Csv(string value)
    {
        if (Formula.IsMatch(value))
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
