using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Analytics.Tests.Infrastructure;

/// <summary>Hosts a role of the product in the test process on a free loopback port, as the in-process test apps do.</summary>
internal static class LoopbackApp
{
    /// <summary>A builder that listens on a free loopback port and logs warnings only.</summary>
    public static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        return builder;
    }

    /// <summary>Starts the app and returns a client for the address it got.</summary>
    public static async Task<HttpClient> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HttpClient { BaseAddress = new Uri(address) };
    }

    /// <summary>A fresh PostgreSQL database with the schema applied, as a connection string.</summary>
    public static async Task<string> NewPostgresConnectionStringAsync(Engines engines)
    {
        await using var postgres = await engines.NewPostgresAsync();
        return postgres.ConnectionString;
    }
}
