using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Analytics.Storage.ApiKeys;
using Analytics.Api.Reports;
using Analytics.ServiceDefaults;
using Analytics.Storage.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Analytics.Api;

/// <summary>
/// The reporting role: the native API under <c>/api/v1/properties</c> and Plausible's Stats API. Every endpoint needs
/// an API key (bearer), is rate limited per key, and checks the property it names against the key's scope.
/// </summary>
public static class ApiExtensions
{
    public const string RateLimitPolicy = "api-key";

    /// <param name="configuration"><c>Api:RateLimitPerMinute</c> (env <c>ANALYTICS_API_RATE_LIMIT</c>): requests per key per minute, default 600.</param>
    public static IServiceCollection AddApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddReporting(configuration);
        services.AddSettings<ApiOptions>(configuration, ApiOptions.Section);
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(RateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                PartitionKey(http),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = PerMinute(http), Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            options.OnRejected = async (context, cancellationToken) =>
            {
                var perMinute = PerMinute(context.HttpContext);
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 60;
                context.HttpContext.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
                await TypedResults.Problem($"This API key made more than {perMinute} requests in a minute; retry after {retry} s.",
                    statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests").ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    /// <summary>The reports and API keys, which the dashboard and the admin commands use as well as the API.</summary>
    /// <param name="configuration">Section <c>Reports</c> (<see cref="ReportOptions"/>).</param>
    public static IServiceCollection AddReporting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<ReportOptions>(configuration, ReportOptions.Section);
        services.TryAddSingleton<ReportEngine>();
        services.TryAddSingleton<RealtimeQuery>();
        services.TryAddSingleton<VisitTimeline>();
        services.TryAddSingleton<EventFacts>();
        services.TryAddSingleton<SecurityLog>();
        return services;
    }

    public static WebApplication MapApiEndpoints(this WebApplication app)
    {
        app.UseRateLimiter();
        void Secure(RouteGroupBuilder group) => KeyScoped(group, ApiKey.StatsRead);
        void KeyScoped(RouteGroupBuilder group, string scope) => group
            .AddEndpointFilter(new ApiKeyFilter(scope))
            .AddEndpointFilter<ApiErrorFilter>()
            .RequireRateLimiting(RateLimitPolicy)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        var api = app.MapGroup("/api/v1");
        Secure(api);
        api.MapGet("/properties", ListProperties).WithTags("Properties")
            .WithName("ListProperties")
            .WithSummary("Lists the properties the API key may read.")
            .WithDescription("Requires `Authorization: Bearer <API key>`. A key sees the properties it was created for, or all of them when created with --all.");
        ReportEndpoints.Map(api);
        PlausibleEndpoints.Map(app, Secure);
        SitesEndpoints.Map(app, group => KeyScoped(group, ApiKey.Sites));
        return app;
    }

    private static int PerMinute(HttpContext http) => http.RequestServices.GetRequiredService<ApiOptions>().RateLimitPerMinute;

    /// <summary>A key's limit is its own: partitioned by a hash of the presented token (the token itself is not kept).</summary>
    private static string PartitionKey(HttpContext http)
        => ServiceDefaults.BearerToken.Of(http) is { } token ? Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token))) : "anonymous:" + http.Connection.RemoteIpAddress;

    private static async Task<Ok<List<PropertyResponse>>> ListProperties(HttpContext http, ApiKeyStore keys, CancellationToken cancellationToken)
        => TypedResults.Ok((await keys.ReadablePropertiesAsync(ApiAccess.Key(http), cancellationToken)).Select(PropertyResponse.From).ToList());
}
