using Analytics.Cli.Serving;
using Analytics.Api;
using Analytics.Api.ApiKeys;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.Hosting;
using Analytics.ServiceDefaults;
using Analytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Tests.Api;

/// <summary>The reporting role in this process on a loopback port, over the run's shared engines, with a fixed clock.</summary>
public sealed class ApiApp : LoopbackApp
{
    private ApiApp(WebApplication app, IClickHouse clickHouse, HttpClient client)
        : base(app, clickHouse, client)
    {
    }

    private static readonly ServerRoles Roles = ServerRoles.Parse("api");

    public static async Task<ApiApp> StartAsync(Engines engines, IClickHouse clickHouse, DateTimeOffset now, Dictionary<string, string?>? settings = null)
    {
        var connectionString = await NewPostgresConnectionStringAsync(engines);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build();

        var builder = CreateBuilder();
        builder.Services.AddAnalyticsStorage(clickHouse, connectionString);
        builder.AddAnalytics(configuration, Roles, new AnalyticsApplication.Prerequisites(null, null), Path.Combine(engines.Root, "api-" + Guid.NewGuid().ToString("N")), publicUrl: null);
        builder.Services.AddSingleton<TimeProvider>(new FixedClock(now));
        var app = builder.Build();
        await app.MapAnalyticsAsync(Roles, CancellationToken.None);
        return new ApiApp(app, clickHouse, await StartAsync(app));
    }

    /// <summary>A key for the given properties (null: all) and a client that sends it.</summary>
    public async Task<HttpClient> ClientWithKeyAsync(IReadOnlyCollection<long>? properties)
    {
        var (_, secret) = await Services.GetRequiredService<ApiKeyStore>().CreateAsync("test", null, properties, CancellationToken.None);
        var client = new HttpClient { BaseAddress = Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        return client;
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
