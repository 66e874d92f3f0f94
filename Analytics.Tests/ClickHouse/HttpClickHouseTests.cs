using System.Text;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Http;
using Analytics.Storage.Hosting;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.ClickHouse;

/// <summary>
/// The server engine's wire protocol against a real clickhouse-server. It is 18.16 (2018), so the SQL here is what
/// that version understands; the schema and queries themselves are proven on the embedded engine (same code as a
/// modern server).
/// </summary>
public sealed class HttpClickHouseTests(ClickHouseServer server) : IClassFixture<ClickHouseServer>, IDisposable
{
    private readonly HttpClient _http = StorageRuntime.CreateHttpClient();

    private HttpClickHouse Client(string? password = ClickHouseServer.Password, string database = "default")
        => new HttpClickHouse(_http, server.Endpoint, database, ClickHouseServer.User, password, utcSession: false); // 18.16 predates session_timezone

    private sealed record Row(ulong Id, string Text);

    private sealed record ProcessRow(string QueryId);

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task InsertThenQuery_RoundTripsRowsThroughGzipBodies()
    {
        var database = $"t_{Guid.NewGuid():N}";
        await Client().ExecuteAsync($"CREATE DATABASE {database}");
        var clickHouse = Client(database: database);
        await clickHouse.ExecuteAsync("CREATE TABLE t (id UInt64, text String) ENGINE = Memory");
        var rows = Enumerable.Range(0, 5_000).Select(i => new Row((ulong)i, $"row {i} with \"quotes\", tabs\t and ünïcode")).ToList();

        await clickHouse.InsertAsync("t", ClickHouseJson.Encode(rows));

        Assert.Equal(rows, await clickHouse.QueryAsync<Row>("SELECT id, text FROM t ORDER BY id"));
    }

    [Fact]
    public async Task WrongPassword_IsRejectedWithTheServersCode()
    {
        var error = await Assert.ThrowsAsync<ClickHouseException>(() => Client(password: "wrong").ExecuteAsync("SELECT 1"));

        Assert.Equal(193, error.ErrorCode); // WRONG_PASSWORD: the credentials travelled in the headers
    }

    [Fact]
    public async Task BadQuery_NonSuccessStatus_BecomesClickHouseExceptionWithCode()
    {
        var error = await Assert.ThrowsAsync<ClickHouseException>(() => Client().ExecuteAsync("SELECT * FROM no_such_table"));

        Assert.Equal(60, error.ErrorCode);
        Assert.Contains("no_such_table", error.Message, StringComparison.Ordinal);
        Assert.Equal("SELECT * FROM no_such_table", error.Query);
    }

    [Fact]
    public async Task ExceptionInsideA200Response_IsDetected()
    {
        // The first blocks are streamed with status 200 before the failing one; the server can only append the error.
        var error = await Assert.ThrowsAsync<ClickHouseException>(() => Client().QueryRawAsync(
            "SELECT throwIf(number = 300000) FROM system.numbers LIMIT 500000", "JSONEachRow",
            settings: new ClickHouseSettings { ["max_block_size"] = "1000" }));

        Assert.Equal(395, error.ErrorCode);
    }

    [Fact]
    public async Task Settings_TravelPerQuery()
    {
        var settings = new ClickHouseSettings { ["max_result_rows"] = "1", ["result_overflow_mode"] = "throw" };

        var error = await Assert.ThrowsAsync<ClickHouseException>(() => Client().QueryRawAsync("SELECT number FROM system.numbers LIMIT 10", "TabSeparated", settings: settings));

        Assert.Equal(396, error.ErrorCode); // TOO_MANY_ROWS_OR_BYTES
        Assert.Equal("0\n1\n", Encoding.UTF8.GetString(await Client().QueryRawAsync("SELECT number FROM system.numbers LIMIT 2", "TabSeparated")));
    }

    [Fact]
    public async Task EveryQuery_CarriesItsOwnQueryId()
    {
        // The query finds itself among the running queries.
        const string Sql = "SELECT query_id FROM system.processes WHERE query LIKE '%query-id-probe%'";
        var first = (await Client().QueryAsync<ProcessRow>(Sql)).Single().QueryId;
        var second = (await Client().QueryAsync<ProcessRow>(Sql)).Single().QueryId;

        // Ours are 32 hex digits; a server-made id would be a dashed UUID.
        Assert.Matches("^[0-9a-f]{32}$", first);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Parameters_TravelAsParamUrlArguments()
    {
        // 18.16 predates query parameters: it reads param_<name> as a setting and names it in its refusal, which shows
        // the value left as a URL argument and not spliced into the SQL. Binding itself is proven on the embedded engine.
        var error = await Assert.ThrowsAsync<ClickHouseException>(() => Client().ExecuteAsync("SELECT 1", new { probe = "x' OR 1=1" }));

        Assert.Equal(115, error.ErrorCode); // UNKNOWN_SETTING
        Assert.Contains("param_probe", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UtcSession_IsAskedOfTheServer()
    {
        // 18.16 does not know session_timezone, so its refusal shows the engine sends it with every query.
        var utc = new HttpClickHouse(_http, server.Endpoint, "default", ClickHouseServer.User, ClickHouseServer.Password);

        var error = await Assert.ThrowsAsync<ClickHouseException>(() => utc.ExecuteAsync("SELECT 1"));

        Assert.Contains("session_timezone", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableServer_FailsWithAClearMessage()
    {
        var port = Analytics.Tests.Host.AnalyticsProcess.FreePort();
        var clickHouse = new HttpClickHouse(_http, new Uri($"http://127.0.0.1:{port}/"), "default", null, null, utcSession: false);

        var error = await Assert.ThrowsAsync<ClickHouseException>(() => clickHouse.ExecuteAsync("SELECT 1"));

        Assert.Contains("could not be reached", error.Message, StringComparison.Ordinal);
    }
}
