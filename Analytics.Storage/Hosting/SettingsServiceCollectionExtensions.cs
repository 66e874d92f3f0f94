using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Analytics.Storage.Hosting;

/// <summary>
/// The one way a feature reads its settings: a small options class bound from its section, validated by its data
/// annotations (whose messages name the setting) when it is first used and at the latest when the host starts. Only the
/// storage options, which must be read before the host exists, are bound eagerly (<see cref="StorageRuntime.Bind{T}"/>).
/// </summary>
public static class SettingsServiceCollectionExtensions
{
    /// <summary>Registers <typeparamref name="T"/> as <c>IOptions&lt;T&gt;</c> and as itself (the validated value).</summary>
    public static IServiceCollection AddSettings<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class
    {
        services.AddOptions<T>()
            .Configure(options => StorageRuntime.BindSection(configuration, section, options))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<T>>().Value);
        return services;
    }
}
