using System.Diagnostics.CodeAnalysis;

namespace OpenMss.Core.Identifiers;

/// <summary>
/// FINESS number of a health or social-care structure (a pharmacy, a hospital…): 9 characters, the first
/// two the department (<c>2A</c>/<c>2B</c> for Corsica, <c>97</c>/<c>98</c> overseas), the last a Luhn key
/// (docs/identifiers.md: the key is common practice, not a published rule, so bulk imports
/// should report a wrong key rather than drop the row — see <see cref="TryParseLenient"/>).
/// </summary>
/// <remarks>
/// <para>
/// Corsica: no public source found states how the key of a number starting with <c>2A</c>/<c>2B</c> is
/// computed. Two conventions are in circulation: reading the department as <c>20</c> (Corsica's
/// department code before 1976, still its postal prefix) or, as for the NIR, <c>2A</c> → <c>19</c> and
/// <c>2B</c> → <c>18</c>. OpenMSS accepts a Corsican key that satisfies Luhn under either; a typing error
/// in the key is still caught four times out of five, and no real Corsican structure is locked out by a
/// guess. Revisit when the ANS publishes the rule.
/// </para>
/// <para><c>default</c> is not a valid number; obtain values from the parse methods.</para>
/// </remarks>
public readonly record struct Finess : INationalIdentifier<Finess>
{
    /// <summary>Number of characters, key included.</summary>
    public const int Length = 9;

    private Finess(string value) => Value = value;

    /// <inheritdoc/>
    public string Value { get; }

    /// <summary>Whether the structure is in Corsica (number starting with <c>2A</c> or <c>2B</c>).</summary>
    public bool IsCorsican => Value is not null && Value[1] is 'A' or 'B';

    /// <inheritdoc/>
    public bool IsKeyValid => Value is not null && KeyMatches(Value);

    /// <inheritdoc/>
    public static bool TryParse([NotNullWhen(true)] string? input, out Finess value, out IdentifierError error)
        => TryParse(input, strict: true, out value, out error);

    /// <inheritdoc/>
    public static bool TryParseLenient([NotNullWhen(true)] string? input, out Finess value, out IdentifierError anomaly)
        => TryParse(input, strict: false, out value, out anomaly);

    /// <inheritdoc/>
    public static Finess Parse(string input)
        => TryParse(input, out var value, out var error) ? value : throw new IdentifierFormatException(error);

    /// <inheritdoc/>
    public override string ToString() => Value ?? string.Empty;

    private static bool TryParse(string? input, bool strict, out Finess value, out IdentifierError error)
    {
        value = default;
        if (!IdentifierText.TryTrim(input, IdentifierKind.Finess, out var text, out error))
        {
            return false;
        }

        if (text.Length != Length)
        {
            error = new IdentifierError(IdentifierKind.Finess, IdentifierErrorCode.InvalidLength);
            return false;
        }

        var corsican = text[0] == '2' && text[1] is 'A' or 'a' or 'B' or 'b';
        if (!IdentifierText.AllDigits(corsican ? text.AsSpan(2) : text))
        {
            error = new IdentifierError(IdentifierKind.Finess, IdentifierErrorCode.InvalidCharacters);
            return false;
        }

        var candidate = new Finess(corsican ? string.Concat("2", char.ToUpperInvariant(text[1]).ToString(), text.AsSpan(2)) : text);
        return IdentifierText.Finish(candidate, candidate.IsKeyValid, strict, IdentifierKind.Finess, out value, out error);
    }

    private static bool KeyMatches(string value)
    {
        if (value[1] is not ('A' or 'B'))
        {
            return Luhn.IsValid(value);
        }

        Span<char> digits = stackalloc char[Length];
        value.AsSpan().CopyTo(digits);
        digits[0] = '2';
        digits[1] = '0';
        if (Luhn.IsValid(digits))
        {
            return true;
        }

        digits[0] = '1';
        digits[1] = value[1] == 'A' ? '9' : '8';
        return Luhn.IsValid(digits);
    }
}
