using System.Diagnostics.CodeAnalysis;

namespace OpenMss.Core.Identifiers;

/// <summary>
/// RPPS number (<i>Répertoire partagé des professionnels de santé</i>) of a health professional:
/// 11 digits, the last a Luhn key (docs/identifiers.md). The ANS's own FHIR examples use
/// fictitious numbers that fail the key: parse those with <see cref="TryParseLenient"/>.
/// </summary>
/// <remarks><c>default</c> is not a valid number; obtain values from the parse methods.</remarks>
public readonly record struct Rpps : INationalIdentifier<Rpps>
{
    /// <summary>Number of digits, key included.</summary>
    public const int Length = 11;

    private Rpps(string value) => Value = value;

    /// <inheritdoc/>
    public string Value { get; }

    /// <inheritdoc/>
    public bool IsKeyValid => Value is not null && Luhn.IsValid(Value);

    /// <inheritdoc/>
    public static bool TryParse([NotNullWhen(true)] string? input, out Rpps value, out IdentifierError error)
        => TryParse(input, strict: true, out value, out error);

    /// <inheritdoc/>
    public static bool TryParseLenient([NotNullWhen(true)] string? input, out Rpps value, out IdentifierError anomaly)
        => TryParse(input, strict: false, out value, out anomaly);

    /// <inheritdoc/>
    public static Rpps Parse(string input)
        => TryParse(input, out var value, out var error) ? value : throw new IdentifierFormatException(error);

    /// <inheritdoc/>
    public override string ToString() => Value ?? string.Empty;

    private static bool TryParse(string? input, bool strict, out Rpps value, out IdentifierError error)
    {
        value = default;
        if (!IdentifierText.TryDigits(input, Length, IdentifierKind.Rpps, out var digits, out error))
        {
            return false;
        }

        var candidate = new Rpps(digits);
        return IdentifierText.Finish(candidate, candidate.IsKeyValid, strict, IdentifierKind.Rpps, out value, out error);
    }
}
