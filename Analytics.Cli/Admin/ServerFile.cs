using System.Security.Cryptography;
using System.Text.Json;
using Analytics.ServiceDefaults;

namespace Analytics.Cli.Admin;

/// <summary>
/// How admin commands reach a running server for work that needs ClickHouse (the embedded engine admits one process):
/// the server writes <c>server.json</c> (its loopback URL and a random token, readable by its user only) into the data
/// directory at start and removes it at stop. It also says the server's public URL, for links the command line makes.
/// </summary>
internal sealed record ServerFile(string Url, string Token, string? PublicUrl = null)
{
    private const string Name = "server.json";

    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static ServerFile Write(string dataDirectory, IEnumerable<string> listening, string token, ServiceDefaults.PublicUrl? publicUrl)
    {
        var file = new ServerFile(listening.Select(Loopback).First(), token, publicUrl?.Origin.ToString());
        var path = Path.Combine(dataDirectory, Name);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(file));
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
        return file;
    }

    public static ServerFile? Read(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, Name);
        return File.Exists(path) ? JsonSerializer.Deserialize<ServerFile>(File.ReadAllText(path)) : null;
    }

    public static void Delete(string dataDirectory) => File.Delete(Path.Combine(dataDirectory, Name));

    /// <summary>A wildcard listen address is reached on loopback.</summary>
    private static string Loopback(string url)
    {
        var uri = new Uri(url.Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal));
        var host = uri.Host is "0.0.0.0" or "[::]" or "::" ? "127.0.0.1" : uri.Host;
        return $"{uri.Scheme}://{host}:{uri.Port}";
    }
}
