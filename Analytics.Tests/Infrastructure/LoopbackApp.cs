using Analytics.Cli.Serving;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Analytics.Tests.Infrastructure;

/// <summary>
/// A role of the product hosted in the test process on a free loopback port, over the run's shared engines: the base of
/// the in-process test apps (collect, reporting), with their client, services and teardown.
/// </summary>
public abstract class LoopbackApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    protected LoopbackApp(WebApplication app, IClickHouse clickHouse, HttpClient client)
    {
        _app = app;
        ClickHouse = clickHouse;
        Client = client;
    }

    public IClickHouse ClickHouse { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public Task<Property> AddPropertyAsync(string domain, string timezone = "Asia/Kathmandu", long? owner = null)
        => Services.GetRequiredService<PropertyStore>().AddAsync(domain, null, timezone, owner, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// The roles wired as <c>serve</c> wires them (the one composition root, prerequisites included), over the run's
    /// engines: the given ClickHouse database, a fresh PostgreSQL database, and the settings given.
    /// </summary>
    /// <param name="afterWiring">Replaces a service of the production wiring (a fixed clock).</param>
    protected static async Task<(WebApplication App, HttpClient Client)> StartRolesAsync(Engines engines, IClickHouse clickHouse, string roles, IConfiguration configuration, Action<IServiceCollection>? afterWiring = null)
    {
        var parsed = ServerRoles.Parse(roles);
        var loaded = await AnalyticsApplication.LoadAsync(configuration, parsed, _ => { }, CancellationToken.None);
        var builder = CreateBuilder();
        builder.Services.AddAnalyticsStorage(clickHouse, await NewPostgresConnectionStringAsync(engines));
        builder.AddAnalytics(configuration, parsed, loaded, Path.Combine(engines.Root, $"{roles}-{Guid.NewGuid():N}"), publicUrl: null);
        afterWiring?.Invoke(builder.Services);
        var app = builder.Build();
        await app.MapAnalyticsAsync(parsed, CancellationToken.None);
        return (app, await StartAsync(app));
    }

    /// <summary>A builder that listens on a free loopback port and logs warnings only.</summary>
    protected static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        return builder;
    }

    /// <summary>Starts the app and returns a client for the address it got.</summary>
    protected static async Task<HttpClient> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HttpClient { BaseAddress = new Uri(address) };
    }

    /// <summary>A fresh PostgreSQL database with the schema applied, as a connection string.</summary>
    protected static async Task<string> NewPostgresConnectionStringAsync(Engines engines)
    {
        await using var postgres = await engines.NewPostgresAsync();
        return postgres.ConnectionString;
    }
}
