using Analytics.Cli.Serving;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.Hosting;
using Analytics.Ingest;
using Analytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Tests.Ingest;

/// <summary>The collect role in this process on a loopback port, over the run's shared engines (databases of its own).</summary>
public sealed class CollectApp : LoopbackApp
{
    private CollectApp(WebApplication app, IClickHouse clickHouse, HttpClient client)
        : base(app, clickHouse, client)
    {
    }

    private static readonly ServerRoles Roles = ServerRoles.Parse("ingest");

    public static async Task<CollectApp> StartAsync(Engines engines, IClickHouse? clickHouse = null, Dictionary<string, string?>? settings = null)
    {
        clickHouse ??= await engines.NewClickHouseAsync();
        var connectionString = await NewPostgresConnectionStringAsync(engines);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Enrichment:GeoIpDatabase"] = Conformance.File("maxmind/GeoIP2-City-Test.mmdb"),
            ["Spool:SealAfterMs"] = "100",
        }.Concat(settings ?? [])).Build();
        var runtime = await IngestRuntime.LoadAsync(configuration, _ => { }, CancellationToken.None);

        var builder = CreateBuilder();
        builder.Services.AddAnalyticsStorage(clickHouse, connectionString);
        builder.AddAnalytics(configuration, Roles, new AnalyticsApplication.Prerequisites(runtime, null), Path.Combine(engines.Root, "collect-" + Guid.NewGuid().ToString("N")), publicUrl: null);
        var app = builder.Build();
        await app.MapAnalyticsAsync(Roles, CancellationToken.None);
        return new CollectApp(app, clickHouse, await StartAsync(app));
    }
}
