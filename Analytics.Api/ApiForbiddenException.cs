namespace Analytics.Api;

/// <summary>The key may reach the property but not do this with it (e.g. delete a site it does not own): 403.</summary>
internal sealed class ApiForbiddenException(string message) : Exception(message);
