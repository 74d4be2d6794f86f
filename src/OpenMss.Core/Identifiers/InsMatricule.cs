using System.Diagnostics.CodeAnalysis;

namespace OpenMss.Core.Identifiers;

/// <summary>
/// INS matricule of a patient (<i>identifiant national de santé</i>), the local part of a patient's
/// address at <c>patient.mssante.fr</c>: the 13-character NIR (or temporary NIA) then a 2-digit key,
/// key = 97 − (NIR mod 97), with the Corsican departments <c>2A</c> and <c>2B</c> read as 19 and 18
/// for the computation (docs/identifiers.md).
/// </summary>
/// <remarks>
/// <para>The NIR's shape is checked too, leniently where real numbers vary:</para>
/// <list type="bullet">
/// <item>first digit: 1 (man) or 2 (woman); 3 and 4 (foreign-born persons being registered) and 7 and 8
/// (temporary registration numbers, NIA) are accepted as well, as described in public documentation of
/// the NIR (French Wikipedia, "Numéro de sécurité sociale en France");</item>
/// <item>birth month: 01–12, and the ranges 20–42 and 50–99 used when the month is unknown or for some
/// registrations; 00, 13–19 and 43–49 are refused;</item>
/// <item>birth department: two digits other than 00 (01–95, 96–99 for births abroad or overseas, 20 for
/// Corsica before 1976), or 2A/2B;</item>
/// <item>year, commune and order number: digits, not checked further.</item>
/// </list>
/// <para>
/// The value is health data: never log it. Error texts never repeat the input.
/// <c>default</c> is not a valid matricule; obtain values from the parse methods or <see cref="FromNir"/>.
/// </para>
/// </remarks>
public readonly record struct InsMatricule : INationalIdentifier<InsMatricule>
{
    /// <summary>Number of characters, key included.</summary>
    public const int Length = 15;

    /// <summary>Number of characters of the NIR (without key).</summary>
    public const int NirLength = 13;

    private InsMatricule(string value) => Value = value;

    /// <inheritdoc/>
    public string Value { get; }

    /// <summary>The 13-character NIR, without key.</summary>
    public string Nir => Value is null ? string.Empty : Value[..NirLength];

    /// <summary>The 2-digit key as written (01–97 when valid).</summary>
    public int Key => Value is null ? 0 : ((Value[13] - '0') * 10) + (Value[14] - '0');

    /// <summary>Whether the NIR's department is Corsican (<c>2A</c> or <c>2B</c>).</summary>
    public bool IsCorsican => Value is not null && Value[6] is 'A' or 'B';

    /// <inheritdoc/>
    public bool IsKeyValid => Value is not null && ComputeKeyOf(Value.AsSpan(0, NirLength)) == Key;

    /// <summary>Builds the matricule of a NIR by computing its key (e.g. for test and demo data).</summary>
    /// <exception cref="IdentifierFormatException">The NIR does not have the shape described above.</exception>
    public static InsMatricule FromNir(string nir)
    {
        ArgumentNullException.ThrowIfNull(nir);
        var trimmed = nir.Trim();
        if (trimmed.Length != NirLength)
        {
            throw new IdentifierFormatException(new IdentifierError(IdentifierKind.InsMatricule, IdentifierErrorCode.InvalidLength));
        }

        // Validate with a placeholder key, then put the real one.
        if (!TryParse(trimmed + "00", strict: false, out var shaped, out var error))
        {
            throw new IdentifierFormatException(error);
        }

        var canonicalNir = shaped.Nir;
        return new InsMatricule(canonicalNir + ComputeKeyOf(canonicalNir).ToString("00", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <inheritdoc/>
    public static bool TryParse([NotNullWhen(true)] string? input, out InsMatricule value, out IdentifierError error)
        => TryParse(input, strict: true, out value, out error);

    /// <inheritdoc/>
    public static bool TryParseLenient([NotNullWhen(true)] string? input, out InsMatricule value, out IdentifierError anomaly)
        => TryParse(input, strict: false, out value, out anomaly);

    /// <inheritdoc/>
    public static InsMatricule Parse(string input)
        => TryParse(input, out var value, out var error) ? value : throw new IdentifierFormatException(error);

    /// <inheritdoc/>
    public override string ToString() => Value ?? string.Empty;

    private static bool TryParse(string? input, bool strict, out InsMatricule value, out IdentifierError error)
    {
        const IdentifierKind kind = IdentifierKind.InsMatricule;
        value = default;
        if (!IdentifierText.TryTrim(input, kind, out var text, out error))
        {
            return false;
        }

        if (text.Length != Length)
        {
            error = new IdentifierError(kind, IdentifierErrorCode.InvalidLength);
            return false;
        }

        // Positions 6–7 (index 5–6) hold the department, the only place letters are allowed.
        var corsican = text[5] == '2' && text[6] is 'A' or 'a' or 'B' or 'b';
        if (!IdentifierText.AllDigits(text.AsSpan(0, 5))
            || !(corsican || IdentifierText.AllDigits(text.AsSpan(5, 2)))
            || !IdentifierText.AllDigits(text.AsSpan(7)))
        {
            error = new IdentifierError(kind, IdentifierErrorCode.InvalidCharacters);
            return false;
        }

        if (text[0] is not ('1' or '2' or '3' or '4' or '7' or '8'))
        {
            error = new IdentifierError(kind, IdentifierErrorCode.InvalidSex);
            return false;
        }

        var month = ((text[3] - '0') * 10) + (text[4] - '0');
        if (month is 0 or (> 12 and < 20) or (> 42 and < 50))
        {
            error = new IdentifierError(kind, IdentifierErrorCode.InvalidMonth);
            return false;
        }

        if (text[5] == '0' && text[6] == '0')
        {
            error = new IdentifierError(kind, IdentifierErrorCode.InvalidDepartment);
            return false;
        }

        var candidate = new InsMatricule(corsican && char.IsAsciiLetterLower(text[6])
            ? string.Concat(text.AsSpan(0, 6), char.ToUpperInvariant(text[6]).ToString(), text.AsSpan(7))
            : text);
        return IdentifierText.Finish(candidate, candidate.IsKeyValid, strict, kind, out value, out error);
    }

    /// <summary>97 − (NIR mod 97), with 2A → 19 and 2B → 18.</summary>
    private static int ComputeKeyOf(ReadOnlySpan<char> nir)
    {
        long number = 0;
        for (var i = 0; i < nir.Length; i++)
        {
            var c = nir[i];
            if (i == 5 && nir[6] is 'A' or 'B')
            {
                number = (number * 100) + (nir[6] == 'A' ? 19 : 18);
                i++;
                continue;
            }

            number = (number * 10) + (c - '0');
        }

        return (int)(97 - (number % 97));
    }
}
