using Analytics.Api.ApiKeys;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Api;

/// <summary>The property does not exist or is outside the key's scope: both answer 404.</summary>
internal sealed class PropertyNotFoundException(string message) : Exception(message);
