using Analytics.Storage.Hosting;
using Analytics.ServiceDefaults;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;

namespace Analytics.Dashboard.Components.Shared;

/// <summary>
/// What a static form page needs (log-in, sign-up, passwords, account): the request, the signed-in user, and form
/// errors answered with a status code. These pages are excluded from interactive routing: they set cookies.
/// </summary>
public abstract class FormPage : ComponentBase
{
    [CascadingParameter]
    protected HttpContext HttpContext { get; set; } = default!;

    [Inject]
    protected NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private ClientAddress Clients { get; set; } = default!;

    [Inject]
    protected SecurityLog SecurityLog { get; set; } = default!;

    /// <summary>The client's network (an IPv6 client by its /64), as throttling and the security log count it.</summary>
    protected string Network => Clients.Network(HttpContext);

    protected long UserId => HttpContext.User.UserId();

    protected CancellationToken Aborted => HttpContext.RequestAborted;

    /// <summary>Marks the response as refused input (400, or <paramref name="status"/>) and gives the message naming the field.</summary>
    protected string Refuse(FieldValidationException e, int status = StatusCodes.Status400BadRequest)
    {
        HttpContext.Response.StatusCode = status;
        return $"{Label(e.Field)}: {e.Message}";
    }

    /// <summary>
    /// Marks the response 429 with Retry-After (whole minutes until <paramref name="until"/>) and gives the message, the
    /// same whoever the attempt was for.
    /// </summary>
    protected string TooManyAttempts(DateTime until, string field)
    {
        var minutes = Math.Max(1, (int)Math.Ceiling((until - DateTime.UtcNow).TotalMinutes));
        HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        HttpContext.Response.Headers.RetryAfter = (minutes * 60).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"{Label(field)}: too many attempts; try again in {minutes} minute{(minutes == 1 ? "" : "s")}.";
    }

    /// <summary>A local path to go to after a form, or "/" for anything that would leave this site or is not plain ASCII (a Location header must be).</summary>
    protected static string LocalUrl(string? url)
        => url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
            && url.All(c => c > ' ' && c < 0x7f) ? url : "/";

    /// <summary>A field as messages name it: "retention_days" as "Retention days" (static and interactive pages alike).</summary>
    internal static string Label(string field) => field.Length == 0 ? field : char.ToUpperInvariant(field[0]) + field[1..].Replace('_', ' ');
}
