namespace Analytics.Storage.Hosting;

/// <summary>A setting is missing or wrong; the message names it.</summary>
public sealed class OptionsException(string message) : Exception(message);
