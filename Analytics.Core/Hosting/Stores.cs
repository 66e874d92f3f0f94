namespace Analytics.Hosting;

/// <summary>Which of the two stores a process opens.</summary>
[Flags]
public enum Stores
{
    /// <summary>PostgreSQL only: users, properties, keys. Such commands may run beside a server that holds the embedded engine.</summary>
    Postgres = 1,

    /// <summary>ClickHouse only (<c>analytics sql</c>): the private PostgreSQL is neither created nor started.</summary>
    ClickHouse = 2,

    Both = Postgres | ClickHouse,

    /// <summary>
    /// PostgreSQL with what accounts need beside it, the common-password list (fetched once): the dashboard role and the
    /// <c>users</c> commands. Collect and reporting replicas and the other commands do without it.
    /// </summary>
    Accounts = Postgres | 4,
}
