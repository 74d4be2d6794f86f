using System.Diagnostics.CodeAnalysis;

namespace OpenMss.Core.Identifiers;

/// <summary>
/// ADELI number of a health professional (the registry that predates RPPS): 9 digits. Its check key is
/// not publicly confirmed (docs/identifiers.md), so only the shape is validated and
/// <see cref="IsKeyValid"/> is always true.
/// </summary>
/// <remarks><c>default</c> is not a valid number; obtain values from the parse methods.</remarks>
public readonly record struct Adeli : INationalIdentifier<Adeli>
{
    /// <summary>Number of digits.</summary>
    public const int Length = 9;

    private Adeli(string value) => Value = value;

    /// <inheritdoc/>
    public string Value { get; }

    /// <inheritdoc/>
    public bool IsKeyValid => Value is not null;

    /// <inheritdoc/>
    public static bool TryParse([NotNullWhen(true)] string? input, out Adeli value, out IdentifierError error)
    {
        value = default;
        if (!IdentifierText.TryDigits(input, Length, IdentifierKind.Adeli, out var digits, out error))
        {
            return false;
        }

        value = new Adeli(digits);
        return true;
    }

    /// <inheritdoc/>
    /// <remarks>Same as the strict parse: there is no key to be lenient about.</remarks>
    public static bool TryParseLenient([NotNullWhen(true)] string? input, out Adeli value, out IdentifierError anomaly)
        => TryParse(input, out value, out anomaly);

    /// <inheritdoc/>
    public static Adeli Parse(string input)
        => TryParse(input, out var value, out var error) ? value : throw new IdentifierFormatException(error);

    /// <inheritdoc/>
    public override string ToString() => Value ?? string.Empty;
}
