using System.IO.Compression;
using System.Text;
using Analytics.Storage.Hosting;

namespace Analytics.Ingest.Transfer;

/// <summary>The files of another tool's export, as its importers take them: a folder's files, a zip's entries, or one file; and their CSV.</summary>
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

    /// <summary>RFC 4180 records (quoted fields may hold commas, quotes doubled, and line breaks), each with the line it starts on.</summary>
    public static IEnumerable<(List<string> Fields, int Line)> Csv(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF');
        var fields = new List<string>();
        var field = new StringBuilder();
        var (line, start, quoted) = (1, 1, false);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    line += c == '\n' ? 1 : 0;
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n' || c == '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                fields.Add(field.ToString());
                field.Clear();
                if (fields.Count > 1 || fields[0].Length > 0)
                {
                    yield return (fields, start);
                }

                fields = [];
                line++;
                start = line;
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        if (fields.Count > 1 || fields[0].Length > 0)
        {
            yield return (fields, start);
        }
    }
}
