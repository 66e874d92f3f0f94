using System.Text.Json;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;
using Analytics.ServiceDefaults;

namespace Analytics.Api.Reports;

/// <summary>
/// Reads filter trees in Plausible's Stats API v2 format, which both APIs use:
/// <c>[["is", "visit:country", ["DE", "FR"]], ["contains", "event:page", ["/blog"], {"case_sensitive": false}]]</c>
/// (a list is an "and"), <c>["and", [...]]</c>, <c>["or", [...]]</c>, <c>["not", filter]</c>, <c>["has_done", filter]</c>,
/// <c>["has_not_done", filter]</c>. Operators: is, is_not,
/// contains, contains_not, matches, matches_not (RE2). <c>["is", "segment", [id]]</c> (top level) stands for a saved
/// segment's filters (several ids: any of them). Errors name the path of the bad part, e.g. <c>filters[1][0]</c>.
/// </summary>
public static class FilterJson
{
    /// <summary>At most this many conditions in one filter tree (a dashboard or a Plausible query uses a handful).</summary>
    public const int MaxConditions = 100;

    /// <summary>At most this many values across all conditions, and this many characters in all of them.</summary>
    public const int MaxValues = 1_000;

    public const int MaxValueCharacters = 64 * 1024;

    /// <param name="segments">The saved segments the reader may use (<c>["is", "segment", [id]]</c>); none when null.</param>
    public static Filter? Parse(string? json, string field = "filters", IReadOnlyList<Segment>? segments = null)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            using var document = StrictJson.Parse(json);
            return Parse(document.RootElement, field, segments);
        }
        catch (JsonException e)
        {
            throw new FieldValidationException(field, $"is not JSON: {e.Message}");
        }
    }

    /// <summary>A top-level list of filters, all of which must hold.</summary>
    public static Filter? Parse(JsonElement element, string field = "filters", IReadOnlyList<Segment>? segments = null)
    {
        if (element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new FieldValidationException(field, "must be a list of filters, e.g. [[\"is\", \"visit:country\", [\"DE\"]]].");
        }

        var filters = element.EnumerateArray().Select((f, i) => IsSegment(f) ? Segments(f, $"{field}[{i}]", segments) : One(f, $"{field}[{i}]", nested: false)).ToList();
        Filter? tree = filters.Count switch
        {
            0 => null,
            1 => filters[0],
            _ => new AllOf(filters),
        };
        var conditions = Filters.Conditions(tree).ToList();
        if (conditions.Count > MaxConditions)
        {
            throw new FieldValidationException(field, $"has {conditions.Count} conditions; at most {MaxConditions} are allowed.");
        }

        var values = conditions.Sum(c => c.Values.Count);
        var characters = conditions.Sum(c => c.Values.Sum(v => v.Length));
        if (values > MaxValues || characters > MaxValueCharacters)
        {
            throw new FieldValidationException(field, $"has {values} values of {characters} characters in all; at most {MaxValues} values of {MaxValueCharacters} characters are allowed.");
        }

        return tree;
    }

    private static bool IsSegment(JsonElement element) => element.ValueKind == JsonValueKind.Array && element.GetArrayLength() >= 2
        && element[1].ValueKind == JsonValueKind.String && element[1].GetString() == "segment";

    /// <summary><c>["is", "segment", [ids]]</c>: the segments' filters (any of them), each as saved (a segment names no other).</summary>
    private static Filter Segments(JsonElement element, string path, IReadOnlyList<Segment>? segments)
    {
        if (element.GetArrayLength() != 3 || element[0].GetString() != "is" || element[2].ValueKind != JsonValueKind.Array || element[2].GetArrayLength() == 0)
        {
            throw new FieldValidationException(path, "a segment filter is [\"is\", \"segment\", [id]].");
        }

        var trees = element[2].EnumerateArray().Select((v, i) =>
        {
            var id = v.ValueKind switch
            {
                JsonValueKind.Number when v.TryGetInt64(out var n) => n,
                JsonValueKind.String when long.TryParse(v.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) => n,
                _ => throw new FieldValidationException($"{path}[2][{i}]", "a segment is named by its id, a number."),
            };
            var segment = segments?.FirstOrDefault(s => s.Id == id)
                ?? throw new FieldValidationException($"{path}[2][{i}]", $"there is no segment {id} of this property that you may use.");
            return Parse(segment.Filters, $"segment {id} ({segment.Name})") ?? throw new FieldValidationException($"{path}[2][{i}]", $"segment {id} has no filters.");
        }).ToList();
        return trees.Count == 1 ? trees[0] : new AnyOf(trees);
    }

    /// <param name="nested">Inside and, or or not: goals and hostnames are filtered at the top level only, as Plausible has it.</param>
    private static Filter One(JsonElement element, string path, bool nested)
    {
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() < 2 || element[0].ValueKind != JsonValueKind.String)
        {
            throw new FieldValidationException(path, "a filter is [operator, dimension, [values]] or [\"and\"|\"or\", [filters]] or [\"not\", filter].");
        }

        var op = element[0].GetString()!;
        switch (op)
        {
            case "and" or "or":
                if (element[1].ValueKind != JsonValueKind.Array || element[1].GetArrayLength() == 0)
                {
                    throw new FieldValidationException($"{path}[1]", $"'{op}' needs a non-empty list of filters.");
                }

                var parts = element[1].EnumerateArray().Select((f, i) => One(f, $"{path}[1][{i}]", nested: true)).ToList();
                return op == "and" ? new AllOf(parts) : new AnyOf(parts);
            case "not":
                return new Not(One(element[1], $"{path}[1]", nested: true));
            case "has_done" or "has_not_done":
                if (element.GetArrayLength() != 2)
                {
                    throw new FieldValidationException(path, $"'{op}' takes one filter on events: [\"{op}\", [\"is\", \"event:goal\", [\"Signup\"]]].");
                }

                // Goals may be named inside (visits that completed one); the engine checks the conditions are on events.
                return new Behaviour(One(element[1], $"{path}[1]", nested: false), op == "has_done");
        }

        var @operator = op switch
        {
            "is" => FilterOperator.Is,
            "is_not" => FilterOperator.IsNot,
            "contains" => FilterOperator.Contains,
            "contains_not" => FilterOperator.ContainsNot,
            "matches" => FilterOperator.Matches,
            "matches_not" => FilterOperator.MatchesNot,
            _ => throw new FieldValidationException($"{path}[0]",
                $"'{op}' is not a supported filter operator; use is, is_not, contains, contains_not, matches, matches_not, and, or, not, has_done, has_not_done."),
        };
        if (element.GetArrayLength() is < 3 or > 4 || element[1].ValueKind != JsonValueKind.String || element[2].ValueKind != JsonValueKind.Array)
        {
            throw new FieldValidationException(path, $"'{op}' takes a dimension and a list of values: [\"{op}\", \"visit:country\", [\"DE\"]].");
        }

        if (nested && element[1].GetString() is "event:goal" or "event:hostname")
        {
            throw new FieldValidationException($"{path}[1]", $"{element[1].GetString()} can only be filtered at the top level, not inside and, or or not.");
        }

        var dimension = Dimension.Parse(element[1].GetString()!, $"{path}[1]");
        var values = element[2].EnumerateArray().Select((v, i) => v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!,
            JsonValueKind.Number => v.GetRawText(),
            _ => throw new FieldValidationException($"{path}[2][{i}]", "a filter value is a string."),
        }).ToList();
        if (values.Count == 0)
        {
            throw new FieldValidationException($"{path}[2]", "name at least one value.");
        }

        var caseSensitive = true;
        if (element.GetArrayLength() == 4)
        {
            var modifiers = element[3];
            if (modifiers.ValueKind != JsonValueKind.Object)
            {
                throw new FieldValidationException($"{path}[3]", "modifiers are an object, e.g. {\"case_sensitive\": false}.");
            }

            foreach (var modifier in modifiers.EnumerateObject())
            {
                caseSensitive = modifier.Name == "case_sensitive" && modifier.Value.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? modifier.Value.GetBoolean()
                    : throw new FieldValidationException($"{path}[3].{modifier.Name}", "the only modifier is case_sensitive (true or false).");
            }
        }

        return new Condition(@operator, dimension, values, caseSensitive);
    }
}
