using Analytics.Storage.Hosting;

namespace Analytics.Storage.Properties;

/// <summary>
/// A member's role in a property, with Plausible's meanings; each role may do all that the ones below it may:
/// <see cref="Viewer"/> reads (and keeps personal segments); <see cref="Editor"/> also manages goals, funnels, shared
/// segments and shared links; <see cref="Admin"/> also manages members and settings; the one <see cref="Owner"/> also
/// deletes the property and hands it over.
/// </summary>
public enum PropertyRole
{
    Viewer = 1,
    Editor = 2,
    Admin = 3,
    Owner = 4,
}

public static class PropertyRoles
{
    /// <summary>The role as stored and shown: owner, admin, editor, viewer.</summary>
    public static string Name(this PropertyRole role) => role switch
    {
        PropertyRole.Owner => "owner",
        PropertyRole.Admin => "admin",
        PropertyRole.Editor => "editor",
        _ => "viewer",
    };

    /// <summary>The role in a sentence: a viewer, an editor, an admin, the owner.</summary>
    public static string WithArticle(this PropertyRole role) => role switch
    {
        PropertyRole.Owner => "the owner",
        PropertyRole.Viewer => "a viewer",
        _ => "an " + role.Name(),
    };

    /// <summary>A role's name as stored (or typed, in any case); throws naming <paramref name="field"/> for anything else.</summary>
    public static PropertyRole Parse(string? name, string field) => name?.Trim().ToLowerInvariant() switch
    {
        "owner" => PropertyRole.Owner,
        "admin" => PropertyRole.Admin,
        "editor" => PropertyRole.Editor,
        "viewer" => PropertyRole.Viewer,
        _ => throw new FieldValidationException(field, $"'{name}' is not a role; use viewer, editor or admin."),
    };

    /// <summary>What a role adds, for the dashboard's lists.</summary>
    public static string Describe(this PropertyRole role) => role switch
    {
        PropertyRole.Owner => "everything, and deletes or hands over the property",
        PropertyRole.Admin => "also manages members and settings",
        PropertyRole.Editor => "also manages goals, funnels, shared segments and shared links",
        _ => "reads the dashboard",
    };

    /// <summary>SQL: the stored names of <paramref name="least"/> and every role above it, for <c>role IN (...)</c>.</summary>
    internal static string AtLeast(PropertyRole least)
        => string.Join(", ", Enum.GetValues<PropertyRole>().Where(r => r >= least).Select(r => $"'{r.Name()}'"));
}

/// <summary>A property as one user reaches it, with their role in it.</summary>
public sealed record PropertyAccess(Property Property, PropertyRole Role)
{
    /// <summary>Whether the user may do what <paramref name="least"/> may.</summary>
    public bool May(PropertyRole least) => Role >= least;
}
