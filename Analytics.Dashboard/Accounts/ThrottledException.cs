namespace Analytics.Dashboard.Accounts;

/// <summary>Refused for too many attempts; <see cref="Until"/> is when the next one is heard.</summary>
public sealed class ThrottledException(DateTime until) : Exception($"Too many attempts; try again after {until:u}.")
{
    public DateTime Until { get; } = until;
}
