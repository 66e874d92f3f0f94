using System.Text.Json;

namespace Analytics.Api.Reports;

/// <summary>A country: ISO 3166 code, English name, and its outline on the dashboard's world map (null for the smallest).</summary>
public sealed record Country(string Code, string Name, string? Path);

/// <summary>
/// Every ISO 3166 country, from countries.json (built by Analytics.Dashboard/Geography/build.mjs from Natural Earth's
/// public-domain 1:110m outlines and the ISO tables of i18n-iso-countries; nothing is fetched at run time): the names of
/// <c>visit:country_name</c>, and the dashboard's names, flags and map.
/// </summary>
public static class Countries
{
    /// <summary>The world map's size, in the units of the outlines.</summary>
    public const int MapWidth = 960;

    public const int MapHeight = 470;

    public static readonly IReadOnlyList<Country> All = Load();

    private static readonly Dictionary<string, Country> ByCode = All.ToDictionary(c => c.Code, StringComparer.OrdinalIgnoreCase);

    /// <summary>The country's name, or the code itself when it is not an ISO country (e.g. "XX" or a typo in a filter).</summary>
    public static string Name(string code) => ByCode.TryGetValue(code, out var country) ? country.Name : code;

    public static Country? Find(string code) => ByCode.GetValueOrDefault(code);

    private static readonly Dictionary<string, string> ByName = All.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().Code, StringComparer.OrdinalIgnoreCase);

    /// <summary>The ISO code of a country's English name (as other tools export them, e.g. GA4's "Germany"); null when unknown.</summary>
    public static string? Code(string name) => ByName.GetValueOrDefault(name.Trim());

    /// <summary>The country's flag as the two regional-indicator letters that systems draw as one (no image is fetched).</summary>
    public static string Flag(string code) => code.Length == 2 && char.IsAsciiLetter(code[0]) && char.IsAsciiLetter(code[1])
        ? char.ConvertFromUtf32(0x1F1E6 + char.ToUpperInvariant(code[0]) - 'A') + char.ConvertFromUtf32(0x1F1E6 + char.ToUpperInvariant(code[1]) - 'A')
        : string.Empty;

    private static List<Country> Load()
    {
        using var stream = typeof(Countries).Assembly.GetManifestResourceStream("countries.json")
            ?? throw new InvalidOperationException("countries.json is missing from the reporting assembly.");
        return JsonSerializer.Deserialize<List<Country>>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException("countries.json is empty.");
    }
}
