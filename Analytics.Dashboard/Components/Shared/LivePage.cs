using System.Security.Claims;
using Analytics.ServiceDefaults;
using Analytics.Storage.Hosting;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http;

namespace Analytics.Dashboard.Components.Shared;

/// <summary>
/// What an interactive page needs: the signed-in user (from the circuit's authentication state, revalidated every
/// minute), the client's network for the security log, a token that ends with the page, and refused input answered
/// with its status code while the page is prerendered (the first answer; a circuit has no response to mark).
/// </summary>
public abstract class LivePage : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _closed = new();

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>The request, while the page is prerendered; null in the circuit.</summary>
    [CascadingParameter]
    protected HttpContext? HttpContext { get; set; }

    [CascadingParameter]
    protected ClientInfo Client { get; set; } = default!;

    [Inject]
    protected NavigationManager Navigation { get; set; } = default!;

    [Inject]
    protected SecurityLog SecurityLog { get; set; } = default!;

    protected ClaimsPrincipal User { get; private set; } = new();

    protected long UserId => User.UserId();

    /// <summary>Cancelled when the page goes away (navigation, a closed tab, a lost circuit).</summary>
    protected CancellationToken Aborted => _closed.Token;

    public override async Task SetParametersAsync(ParameterView parameters)
    {
        parameters.SetParameterProperties(this);
        User = (await AuthenticationState).User;
        await base.SetParametersAsync(ParameterView.Empty);
    }

    /// <summary>Writes the security log line for an action of the signed-in user.</summary>
    protected void Log(string action, string detail) => SecurityLog.Write(action, "succeeded", UserId, User.Identity?.Name, Client.Network, detail);

    /// <summary>The message naming the field; while prerendering, also the response's status (400, or <paramref name="status"/>).</summary>
    protected string Refuse(FieldValidationException e, int status = StatusCodes.Status400BadRequest) => Refuse($"{FormPage.Label(e.Field)}: {e.Message}", status);

    protected string Refuse(string message, int status = StatusCodes.Status400BadRequest)
    {
        if (HttpContext is { Response.HasStarted: false } http)
        {
            http.Response.StatusCode = status;
        }

        return message;
    }

    public void Dispose()
    {
        // Cancelled, not disposed: work that outlives the page (the realtime loop) still reads the token as it ends.
        _closed.Cancel();
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
