using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;

namespace Analytics.Storage.ClickHouse.Http;

/// <summary>
/// A ClickHouse server reached through its HTTP interface: every call a POST, SQL (or an insert's rows) in a gzip body,
/// settings and <c>param_*</c> values in the query string, a <c>query_id</c> on every call, credentials in headers.
/// </summary>
internal sealed class HttpClickHouse(HttpClient http, Uri endpoint, string database, string? user, string? password, bool utcSession = true) : ClickHouseClient(database)
{
    public override IClickHouse WithDatabase(string database) => new HttpClickHouse(http, endpoint, database, user, password, utcSession);

    /// <summary>The server decides how its parts reach the disk (see <see cref="IClickHouse.FlushToDiskAsync"/>).</summary>
    public override Task FlushToDiskAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    protected override async Task<byte[]> SendAsync(ClickHouseCommand command, CancellationToken cancellationToken)
    {
        var queryId = Guid.NewGuid().ToString("N");
        var query = new StringBuilder("?database=").Append(Uri.EscapeDataString(Database))
            .Append("&query_id=").Append(queryId)
            .Append("&enable_http_compression=1");
        foreach (var (name, value) in command.Parameters)
        {
            query.Append("&param_").Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        if (utcSession)
        {
            // As in the embedded engine: times are UTC whatever the server's own zone (servers before 23.5 lack the setting).
            query.Append("&session_timezone=UTC");
        }

        foreach (var (name, value) in command.Settings ?? [])
        {
            ClickHouseIdentifiers.EnsureValid(name, "a setting name");
            query.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        byte[] body;
        if (command.Data is { } data)
        {
            // The statement travels in the URL so the body can be the rows alone.
            query.Append("&query=").Append(Uri.EscapeDataString($"{command.Sql} FORMAT {command.Format}"));
            body = data.ToArray();
        }
        else
        {
            body = Encoding.UTF8.GetBytes(command.Format is null ? command.Sql : $"{command.Sql}\nFORMAT {command.Format}");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, query.ToString()));
        request.Content = new ByteArrayContent(Gzip(body));
        request.Content.Headers.ContentEncoding.Add("gzip");
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
        if (!string.IsNullOrEmpty(user))
        {
            request.Headers.Add("X-ClickHouse-User", user);
            request.Headers.Add("X-ClickHouse-Key", password ?? string.Empty);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ClickHouseException(0, $"ClickHouse at {endpoint} could not be reached: {e.Message}", command.Sql, e);
        }

        using (response)
        {
            var output = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            int? headerCode = response.Headers.TryGetValues("X-ClickHouse-Exception-Code", out var codes)
                && int.TryParse(codes.FirstOrDefault(), out var parsed) ? parsed : null;
            if (!response.IsSuccessStatusCode)
            {
                var text = Encoding.UTF8.GetString(output);
                throw ClickHouseException.FromServerText(
                    string.IsNullOrWhiteSpace(text) ? $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}" : text, command.Sql, headerCode);
            }

            // Once the status line is sent, a failing query can only append its exception to the body.
            if (TrailingException(output) is { } exception)
            {
                throw ClickHouseException.FromServerText(exception, command.Sql, headerCode);
            }

            return output;
        }
    }

    /// <summary>The exception text a server appended to a 200 response, if any.</summary>
    internal static string? TrailingException(ReadOnlySpan<byte> output)
    {
        if (output.IsEmpty)
        {
            return null;
        }

        var tail = output[Math.Max(0, output.Length - 8192)..];
        var text = Encoding.UTF8.GetString(tail).TrimEnd('\n', '\r');
        var marker = text.LastIndexOf("__exception__", StringComparison.Ordinal);
        if (marker >= 0)
        {
            return text[(marker + "__exception__".Length)..].Trim();
        }

        var lastLine = text[(text.LastIndexOf('\n') + 1)..];
        return lastLine.StartsWith("Code: ", StringComparison.Ordinal) && lastLine.Contains("DB::Exception", StringComparison.Ordinal)
            ? lastLine
            : null;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream(data.Length / 4 + 64);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
