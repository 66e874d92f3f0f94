
namespace Analytics.Tests.Infrastructure;

/// <summary>Third-party conformance data in <c>../shared/conformance/</c> beside the repository.</summary>
internal static class Conformance
{
    public static string File(string relative)
    {
        var path = Path.GetFullPath(Path.Combine(Repository.Root, "..", "shared", "conformance", relative));
        return System.IO.File.Exists(path) ? path : throw new FileNotFoundException($"Conformance data not found at {path} (shared/ must sit beside the repository).");
    }
}
