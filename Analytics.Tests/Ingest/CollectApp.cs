using Analytics.Storage.ClickHouse;
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

    public static async Task<CollectApp> StartAsync(Engines engines, IClickHouse? clickHouse = null, Dictionary<string, string?>? settings = null)
    {
        clickHouse ??= await engines.NewClickHouseAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Enrichment:GeoIpDatabase"] = Conformance.File("maxmind/GeoIP2-City-Test.mmdb"),
            ["Spool:SealAfterMs"] = "100",
        }.Concat(settings ?? [])).Build();
        var (app, client) = await StartRolesAsync(engines, clickHouse, "ingest", configuration);
        return new CollectApp(app, clickHouse, client);
    }
}
