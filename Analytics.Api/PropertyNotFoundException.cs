namespace Analytics.Api;

/// <summary>The property does not exist or is outside the key's scope: both answer 404.</summary>
internal sealed class PropertyNotFoundException(string message) : Exception(message);
