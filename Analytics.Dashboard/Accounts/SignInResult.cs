namespace Analytics.Dashboard.Accounts;

/// <summary>The outcome of a log-in attempt. <see cref="LockedUntil"/> is set while attempts are refused.</summary>
public sealed record SignInResult(User? User, DateTime? LockedUntil);
