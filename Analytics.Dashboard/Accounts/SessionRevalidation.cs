using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Logging;

namespace Analytics.Dashboard.Accounts;

/// <summary>
/// The signed-in state of an interactive page. A request checks its session on every call (the cookie handler); a
/// circuit lives on without requests, so it checks the same session every minute, and a session ended elsewhere (log
/// out, password change, an admin disabling the account, the idle or total limit) signs the open pages out too.
/// </summary>
internal sealed class SessionRevalidation(ILoggerFactory loggers, SessionStore sessions, DashboardOptions options)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
        => authenticationState.User.FindFirstValue(DashboardExtensions.SessionClaim) is { } token
           && await sessions.ValidateAsync(token, options.Limits, cancellationToken) is not null;
}
