namespace Analytics.Storage.Hosting;

/// <summary>Input was refused; <see cref="Field"/> names the field, the message says why.</summary>
public sealed class FieldValidationException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
