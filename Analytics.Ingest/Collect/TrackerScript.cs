using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Analytics.Ingest.Collect;

/// <summary>
/// <c>GET /js/script.js</c> (and <c>HEAD</c>, which uptime checks send), and Plausible's script names
/// (<c>script.outbound-links.file-downloads.js</c>, ...; the tracker reads its options from its own file name): the tracker, embedded in this assembly, gzip-compressed once, cached by browsers for a day
/// and revalidated with its ETag (a new version reaches visitors within a day, or at once with a cache-busting query).
/// </summary>
public static class TrackerScript
{
    /// <summary>The default build, and the tagged build (tagged events, form submissions, pageview props) for the names that ask for it.</summary>
    private static readonly Build Default = new("tracker/script.js"), Tagged = new("tracker/script.tagged.js");

    /// <summary>The parts of Plausible's script names: each is an option of ours or needs none.</summary>
    private static readonly HashSet<string> Extensions = new(StringComparer.Ordinal)
    {
        "hash", "outbound-links", "file-downloads", "local", "manual", "revenue", "tagged-events", "form-submissions", "pageview-props", "compat", "exclusions",
    };

    public static int GzipSize => Default.Gzipped.Length;

    /// <summary>Whether a file name is the tracker's: <c>script.js</c>, or Plausible's <c>script.&lt;extension&gt;...js</c>.</summary>
    public static bool IsScriptName(string file)
    {
        var parts = file.Split('.');
        return parts.Length >= 2 && parts[0] == "script" && parts[^1] == "js" && parts[1..^1].All(Extensions.Contains);
    }

    public static IResult Serve(HttpContext context, string file)
    {
        if (!IsScriptName(file))
        {
            return Results.NotFound();
        }

        var build = file.Contains(".tagged-events.", StringComparison.Ordinal) || file.Contains(".form-submissions.", StringComparison.Ordinal)
            || file.Contains(".pageview-props.", StringComparison.Ordinal) ? Tagged : Default;
        var response = context.Response;
        response.Headers.CacheControl = "public, max-age=86400";
        response.Headers.ETag = build.ETag;
        response.Headers.Vary = "Accept-Encoding";
        response.Headers.AccessControlAllowOrigin = "*";
        if (context.Request.Headers.IfNoneMatch.ToString() == build.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        if (context.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            response.Headers.ContentEncoding = "gzip";
            return Results.Bytes(build.Gzipped, "application/javascript; charset=utf-8");
        }

        return Results.Bytes(build.Plain, "application/javascript; charset=utf-8");
    }

    /// <summary>One build of the tracker, embedded in this assembly: its bytes, gzipped once, and its ETag.</summary>
    private sealed class Build
    {
        public Build(string resource)
        {
            using var stream = typeof(TrackerScript).Assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"The tracker build {resource} is missing from the assembly.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Plain = copy.ToArray();
            Gzipped = Compress(Plain);
            ETag = $"\"{Convert.ToHexStringLower(SHA256.HashData(Plain))[..16]}\"";
        }

        public byte[] Plain { get; }

        public byte[] Gzipped { get; }

        public string ETag { get; }
    }

    private static byte[] Compress(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
