using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Analytics.Storage.Hosting;

/// <summary>A numbered migration file under <c>schema/&lt;store&gt;/</c>, embedded in this assembly.</summary>
internal sealed record SchemaFile(int Version, string Name, string Sql)
{
    public string Checksum => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)))[..16];

    /// <summary>The files of one store ("clickhouse" or "postgres"), in version order.</summary>
    public static IReadOnlyList<SchemaFile> Load(string store)
    {
        var assembly = typeof(SchemaFile).Assembly;
        var prefix = $"schema/{store}/";
        var files = new List<SchemaFile>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var name = resource[prefix.Length..];
            var digits = new string(name.TakeWhile(char.IsAsciiDigit).ToArray());
            if (digits.Length == 0)
            {
                throw new InvalidOperationException($"Migration '{resource}' must start with its number, e.g. 0001_name.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            files.Add(new SchemaFile(int.Parse(digits, CultureInfo.InvariantCulture), name, reader.ReadToEnd()));
        }

        var duplicate = files.GroupBy(f => f.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two {store} migrations share number {duplicate.Key}: {string.Join(", ", duplicate.Select(f => f.Name))}.");
        }

        return files.OrderBy(f => f.Version).ToList();
    }

    /// <summary>The statements of a file: split at semicolons that end a line (no statement here holds one inside).</summary>
    public IEnumerable<string> Statements()
    {
        var current = new StringBuilder();
        foreach (var line in Sql.Split('\n'))
        {
            var trimmed = line.TrimEnd();
            if (current.Length == 0 && (trimmed.Length == 0 || trimmed.StartsWith("--", StringComparison.Ordinal)))
            {
                continue;
            }

            if (trimmed.EndsWith(';'))
            {
                current.Append(trimmed[..^1]);
                yield return current.ToString();
                current.Clear();
            }
            else
            {
                current.Append(line).Append('\n');
            }
        }

        if (current.ToString().Trim().Length > 0)
        {
            yield return current.ToString();
        }
    }
}
