namespace Analytics.Dashboard.Accounts;

public sealed record User(long Id, string Email, bool IsAdmin, DateTime CreatedAt);
