using System.Globalization;
using System.Security.Claims;
using System.Text;
using Analytics.ClickHouse;
using Analytics.Dashboard.Accounts;
using Analytics.Events;
using Analytics.Hosting;
using Analytics.Properties;
using Analytics.Reports;
using Analytics.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Radzen;

namespace Analytics.Dashboard;

/// <summary>
/// The dashboard role: Razor components with Radzen.Blazor, rendered on the server per request (static server-side
/// rendering; docs/architecture.md says why). Accounts sign in with a cookie; forms carry antiforgery tokens. Its
/// static files (Radzen's, and ours under wwwroot) come from the static web assets manifest through <c>MapStaticAssets</c>.
/// </summary>
public static class DashboardExtensions
{
    public const string StampClaim = "analytics:stamp";

    /// <param name="dataDirectory">Where the keys that protect cookies and antiforgery tokens are kept, so a restart keeps everyone signed in.</param>
    public static IServiceCollection AddDashboard(this IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        services.AddRazorComponents();
        services.AddRadzenComponents();
        services.AddOptions<DashboardOptions>().Bind(configuration.GetSection("Dashboard"));
        services.AddOptions<SmtpOptions>().Bind(configuration.GetSection("Smtp"));
        services.AddSingleton<AccountMail>();
        services.AddDataProtection()
            .SetApplicationName("analytics")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "analytics_antiforgery";
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(options =>
        {
            options.Cookie.Name = "analytics_session";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.ExpireTimeSpan = TimeSpan.FromDays(14);
            options.SlidingExpiration = true;
            options.LoginPath = "/login";
            options.AccessDeniedPath = "/login";
            options.Events.OnValidatePrincipal = ValidateStampAsync;
        });
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        return services;
    }

    public static WebApplication MapDashboardEndpoints(this WebApplication app)
    {
        // Signed-in state and form tokens belong to the dashboard's pages. The collect endpoint skips them: an owner's own
        // browser may send it the session cookie, and checking the cookie's stamp costs a PostgreSQL query per event.
        app.UseWhen(
            context => !context.Request.Path.StartsWithSegments("/api/event", StringComparison.Ordinal),
            dashboard =>
            {
                dashboard.UseAuthentication();
                dashboard.UseAuthorization();
                dashboard.UseAntiforgery();
            });
        app.MapStaticAssets();
        app.MapRazorComponents<Components.App>();
        app.MapPost("/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect("/login");
        });
        var property = app.MapGroup("/properties/{domain}").RequireAuthorization();
        property.MapGet("/export.csv", ExportCsvAsync);
        property.MapGet("/events.{format}", ExportEventsAsync);
        property.MapGet("/realtime.json", RealtimeAsync);
        return app;
    }

    /// <summary>The signed-in user's id.</summary>
    public static long UserId(this ClaimsPrincipal user)
        => long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Not signed in."), CultureInfo.InvariantCulture);

    /// <summary>Signs a user in with the password's current stamp, so changing the password signs out other browsers.</summary>
    public static async Task SignInAsync(HttpContext http, User user, UserStore users)
    {
        var stamp = await users.SecurityStampAsync(user.Id, http.RequestAborted);
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id.ToString(CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Name, user.Email),
            new Claim(StampClaim, stamp?.ToString() ?? string.Empty),
            .. user.IsAdmin ? new[] { new Claim(ClaimTypes.Role, "admin") } : [],
        ], CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
    }

    private static async Task ValidateStampAsync(CookieValidatePrincipalContext context)
    {
        var users = context.HttpContext.RequestServices.GetRequiredService<UserStore>();
        var id = context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        var stamp = id is null ? null : await users.SecurityStampAsync(long.Parse(id, CultureInfo.InvariantCulture), context.HttpContext.RequestAborted);
        if (stamp is null || stamp.ToString() != context.Principal!.FindFirstValue(StampClaim))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    /// <summary>One breakdown of the dashboard as CSV: the same query as its panel, up to 10,000 rows.</summary>
    private static async Task<IResult> ExportCsvAsync(string domain, [FromQuery] string? dimension, [FromQuery] string? period, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? filters,
        HttpContext http, PropertyStore properties, ReportEngine engine, LiveQueries live, TimeProvider time)
    {
        if (await properties.FindForUserAsync(http.User.UserId(), domain, owner: false, http.RequestAborted) is not { } site)
        {
            return NotReadable(domain);
        }

        if (Panels.ByDimension(dimension ?? string.Empty) is not { } tab)
        {
            return Results.Problem($"dimension: '{dimension}' is not one of the dashboard's breakdowns (e.g. visit:source, event:page).", statusCode: StatusCodes.Status400BadRequest);
        }

        try
        {
            var (view, _, _) = await new ReportRequest(period, from, to, null, filters).ToQueryAsync(site, tab.Metrics, live, Instant.FromDateTimeOffset(time.GetUtcNow()), http.RequestAborted);
            var query = tab.Query(view, ReportEngine.MaxLimit);
            var result = await engine.RunAsync(query, http.RequestAborted);
            var csv = new StringBuilder();
            csv.AppendJoin(',', [Csv(tab.Dimension), .. tab.Metrics.Select(m => Csv(Metrics.Name(m)))]).Append("\r\n");
            foreach (var row in result.Rows)
            {
                csv.AppendJoin(',', [Csv(row.Dimensions[0]), .. row.Metrics.Select(v => v.ToString(CultureInfo.InvariantCulture))]).Append("\r\n");
            }

            var name = $"{site.Domain}-{tab.Dimension.Replace(':', '-')}-{query.Range.FirstDay?.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}-{query.Range.LastDay?.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}.csv";
            return Results.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", name);
        }
        catch (FieldValidationException e)
        {
            return Results.Problem($"{e.Field}: {e.Message}", statusCode: StatusCodes.Status400BadRequest);
        }
    }

    /// <summary>
    /// Every event of the property, exactly as <c>analytics export</c> writes them (so <c>analytics import</c> reads them
    /// back): owners only, as it is all of the raw data. Streamed a month at a time.
    /// </summary>
    private static async Task<IResult> ExportEventsAsync(string domain, string format, HttpContext http, PropertyStore properties, IClickHouse clickHouse)
    {
        if (await properties.FindForUserAsync(http.User.UserId(), domain, owner: true, http.RequestAborted) is not { } site)
        {
            return Results.Problem($"There is no property '{domain}' that you own.", statusCode: StatusCodes.Status404NotFound);
        }

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

    private static async Task<IResult> RealtimeAsync(string domain, HttpContext http, PropertyStore properties, LiveQueries live, TimeProvider time)
    {
        if (await properties.FindForUserAsync(http.User.UserId(), domain, owner: false, http.RequestAborted) is not { } site)
        {
            return NotReadable(domain);
        }

        var realtime = await live.RealtimeAsync(site.Id, Instant.FromDateTimeOffset(time.GetUtcNow()), http.RequestAborted);
        return Results.Json(realtime);
    }

    private static IResult NotReadable(string domain)
        => Results.Problem($"There is no property '{domain}' that you may read.", statusCode: StatusCodes.Status404NotFound);

    /// <summary>A CSV field: quoted when needed, and a leading = + - @ neutralised so a spreadsheet does not run it as a formula.</summary>
    private static string Csv(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
