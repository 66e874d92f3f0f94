using Analytics.Api;
using Analytics.ApiKeys;
using Analytics.ClickHouse;
using Analytics.Hosting;
using Analytics.Properties;
using Analytics.ServiceDefaults;
using Analytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Tests.Api;

/// <summary>The reporting role in this process on a loopback port, over the run's shared engines, with a fixed clock.</summary>
public sealed class ApiApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiApp(WebApplication app, IClickHouse clickHouse, HttpClient client)
    {
        _app = app;
        ClickHouse = clickHouse;
        Client = client;
    }

    public IClickHouse ClickHouse { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<ApiApp> StartAsync(Engines engines, IClickHouse clickHouse, DateTimeOffset now, Dictionary<string, string?>? settings = null)
    {
        var connectionString = await LoopbackApp.NewPostgresConnectionStringAsync(engines);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build();

        var builder = LoopbackApp.CreateBuilder();
        builder.Services.AddAnalyticsStorage(clickHouse, connectionString);
        builder.Services.AddServiceDefaults(withClickHouse: true);
        builder.Services.AddApi(configuration);
        builder.Services.AddSingleton<TimeProvider>(new FixedClock(now));
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapApiEndpoints();
        return new ApiApp(app, clickHouse, await LoopbackApp.StartAsync(app));
    }

    public Task<Property> AddPropertyAsync(string domain, string timezone, long? owner = null)
        => Services.GetRequiredService<PropertyStore>().AddAsync(domain, null, timezone, owner, CancellationToken.None);

    /// <summary>A key for the given properties (null: all) and a client that sends it.</summary>
    public async Task<HttpClient> ClientWithKeyAsync(IReadOnlyCollection<long>? properties)
    {
        var (_, secret) = await Services.GetRequiredService<ApiKeyStore>().CreateAsync("test", null, properties, CancellationToken.None);
        var client = new HttpClient { BaseAddress = Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
