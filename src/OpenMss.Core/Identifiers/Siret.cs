using System.Diagnostics.CodeAnalysis;

namespace OpenMss.Core.Identifiers;

/// <summary>
/// SIRET number of an establishment (INSEE): the 9-digit SIREN of the legal unit, then a 5-digit
/// establishment number whose last digit is the key. The key is Luhn over the 14 digits, except for
/// La Poste (SIREN 356000000), whose establishments outnumber what Luhn allows: their digits sum to a
/// multiple of 5 instead (the head office, 35600000000048, satisfies Luhn and is accepted too)
/// (docs/identifiers.md).
/// </summary>
/// <remarks><c>default</c> is not a valid number; obtain values from the parse methods.</remarks>
public readonly record struct Siret : INationalIdentifier<Siret>
{
    /// <summary>Number of digits, key included.</summary>
    public const int Length = 14;

    /// <summary>The SIREN of La Poste, whose establishments follow the sum-multiple-of-5 rule.</summary>
    public const string LaPosteSiren = "356000000";

    private Siret(string value) => Value = value;

    /// <inheritdoc/>
    public string Value { get; }

    /// <summary>The SIREN of the legal unit (first 9 digits).</summary>
    public string Siren => Value is null ? string.Empty : Value[..9];

    /// <inheritdoc/>
    public bool IsKeyValid => Value is not null && KeyMatches(Value);

    /// <inheritdoc/>
    public static bool TryParse([NotNullWhen(true)] string? input, out Siret value, out IdentifierError error)
        => TryParse(input, strict: true, out value, out error);

    /// <inheritdoc/>
    public static bool TryParseLenient([NotNullWhen(true)] string? input, out Siret value, out IdentifierError anomaly)
        => TryParse(input, strict: false, out value, out anomaly);

    /// <inheritdoc/>
    public static Siret Parse(string input)
        => TryParse(input, out var value, out var error) ? value : throw new IdentifierFormatException(error);

    /// <inheritdoc/>
    public override string ToString() => Value ?? string.Empty;

    private static bool TryParse(string? input, bool strict, out Siret value, out IdentifierError error)
    {
        value = default;
        if (!IdentifierText.TryDigits(input, Length, IdentifierKind.Siret, out var digits, out error))
        {
            return false;
        }

        var candidate = new Siret(digits);
        return IdentifierText.Finish(candidate, candidate.IsKeyValid, strict, IdentifierKind.Siret, out value, out error);
    }

    private static bool KeyMatches(string value)
    {
        if (Luhn.IsValid(value))
        {
            return true;
        }

        if (!value.StartsWith(LaPosteSiren, StringComparison.Ordinal))
        {
            return false;
        }

        var sum = 0;
        foreach (var c in value)
        {
            sum += c - '0';
        }

        return sum % 5 == 0;
    }
}
