namespace Analytics.Storage.Hosting;

/// <summary>A file the product needs could not be fetched from npm; the message says why and what to do.</summary>
public sealed class NpmFetchException : Exception
{
    public NpmFetchException(string message)
        : base(message)
    {
    }

    public NpmFetchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
