using Analytics.Storage.ApiKeys;
using Analytics.Storage.ClickHouse;
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

    public static async Task<ApiApp> StartAsync(Engines engines, IClickHouse clickHouse, DateTimeOffset now, Dictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build();
        var (app, client) = await StartRolesAsync(engines, clickHouse, "api", configuration, services => services.AddSingleton<TimeProvider>(new FixedClock(now)));
        return new ApiApp(app, clickHouse, client);
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
