using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Ingest.Demo;

public static class DemoServiceCollectionExtensions
{
    public static IServiceCollection AddDemoTraffic(this IServiceCollection services) => services.AddHostedService<DemoTrafficService>();
}
