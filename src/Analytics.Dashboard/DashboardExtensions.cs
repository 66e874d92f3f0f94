using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Radzen;

namespace Analytics.Dashboard;

/// <summary>
/// The dashboard role: Razor components with Radzen.Blazor, rendered on the server per request. Its static files
/// (Radzen's CSS, fonts and scripts) come from the static web assets manifest through <c>MapStaticAssets</c>.
/// </summary>
public static class DashboardExtensions
{
    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddRadzenComponents();
        return services;
    }

    public static WebApplication MapDashboardEndpoints(this WebApplication app)
    {
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<Components.App>();
        return app;
    }
}
