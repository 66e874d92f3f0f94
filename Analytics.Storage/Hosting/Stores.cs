namespace Analytics.Storage.Hosting;

/// <summary>Which of the two stores a process opens.</summary>
[Flags]
public enum Stores
{
    /// <summary>PostgreSQL only: users, properties, keys. Such commands may run beside a server that holds the embedded engine.</summary>
    Postgres = 1,

    /// <summary>ClickHouse only (<c>analytics sql</c>): the private PostgreSQL is neither created nor started.</summary>
    ClickHouse = 2,

    Both = Postgres | ClickHouse,
}
