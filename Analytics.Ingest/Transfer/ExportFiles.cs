using System.IO.Compression;
using Analytics.Storage.Hosting;

namespace Analytics.Ingest.Transfer;

/// <summary>The files of another tool's export, as its importers take them: a folder's files, a zip's entries, or one file.</summary>
internal static class ExportFiles
{
    public static List<(string Name, byte[] Bytes)> Read(string path)
    {
        if (Directory.Exists(path))
        {
            return [.. Directory.GetFiles(path).Select(f => (Path.GetFileName(f), File.ReadAllBytes(f)))];
        }

        if (!File.Exists(path))
        {
            throw new FieldValidationException("path", $"{path} is neither a file nor a folder.");
        }

        if (!path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            return [(Path.GetFileName(path), File.ReadAllBytes(path))];
        }

        try
        {
            using var zip = ZipFile.OpenRead(path);
            return [.. zip.Entries.Where(e => e.Length > 0).Select(e =>
            {
                using var stream = e.Open();
                using var memory = new MemoryStream();
                stream.CopyTo(memory);
                return (Path.GetFileName(e.FullName), memory.ToArray());
            })];
        }
        catch (InvalidDataException)
        {
            throw new FieldValidationException("path", $"{path} is not a zip file.");
        }
    }
}
