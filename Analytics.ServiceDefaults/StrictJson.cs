using System.Text.Json;

namespace Analytics.ServiceDefaults;

/// <summary>
/// Parses JSON from outside and checks every string and property name can be read as text: the parser accepts invalid
/// UTF-8 inside strings and escapes of lone surrogates (<c>"\ud800"</c>), which only fail later, when the string is
/// read. Here they fail at once, as a <see cref="JsonException"/> like any other malformed body.
/// </summary>
public static class StrictJson
{
    public static JsonDocument Parse(ReadOnlyMemory<byte> json, JsonDocumentOptions options = default)
        => Checked(JsonDocument.Parse(json, options));

    public static JsonDocument Parse(string json, JsonDocumentOptions options = default)
        => Checked(JsonDocument.Parse(json, options));

    public static async Task<JsonDocument> ParseAsync(Stream json, JsonDocumentOptions options, CancellationToken cancellationToken)
        => Checked(await JsonDocument.ParseAsync(json, options, cancellationToken).ConfigureAwait(false));

    private static JsonDocument Checked(JsonDocument document)
    {
        try
        {
            Check(document.RootElement, "$");
            return document;
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    private static void Check(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                Text(element, path);
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Check(item, $"{path}[{index++}]");
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        throw new JsonException($"A property name in {path} is not valid text (invalid UTF-8 or an unpaired surrogate).");
                    }

                    Check(property.Value, $"{path}.{name}");
                }

                break;
        }
    }

    private static void Text(JsonElement element, string path)
    {
        try
        {
            element.GetString();
        }
        catch (InvalidOperationException)
        {
            throw new JsonException($"The string at {path} is not valid text (invalid UTF-8 or an unpaired surrogate).");
        }
    }
}
