namespace Analytics.Tests.Infrastructure;

/// <summary>The checkout the tests were built from (the folder holding Analytics.sln).</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Analytics.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("Analytics.sln not found above the test binaries.");
    }
}
