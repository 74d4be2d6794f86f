using System.Diagnostics.CodeAnalysis;

namespace OpenMss.Core.Identifiers;

/// <summary>Which registry an <see cref="IdNatPs"/> comes from.</summary>
public enum IdNatPsKind
{
    /// <summary>Type digit <c>8</c> followed by an RPPS number (12 characters).</summary>
    Rpps,

    /// <summary>Type digit <c>0</c> followed by an ADELI number (10 characters).</summary>
    Adeli,
}

/// <summary>
/// National identifier of a health professional (<i>idNat_PS</i>), as found in the directory extraction
/// (<c>Identification nationale PP</c>) and in FHIR under <see cref="FhirSystem"/>: the type digit
/// <c>8</c> then the RPPS number, or <c>0</c> then the ADELI number (docs/identifiers.md).
/// Other type digits exist in the real system (identifiers built on a structure's number) and are not
/// professionals' national identifiers; they are refused with <see cref="IdentifierErrorCode.InvalidPrefix"/>.
/// </summary>
/// <remarks><c>default</c> is not a valid identifier; obtain values from the parse methods or the factories.</remarks>
public readonly record struct IdNatPs : INationalIdentifier<IdNatPs>
{
    /// <summary>FHIR identifier system of idNat_PS (ANS directory guide).</summary>
    public const string FhirSystem = "urn:oid:1.2.250.1.71.4.2.1";

    /// <summary>Type digit of an RPPS-based identifier.</summary>
    public const char RppsPrefix = '8';

    /// <summary>Type digit of an ADELI-based identifier.</summary>
    public const char AdeliPrefix = '0';

    private IdNatPs(string value, Rpps? rpps, Adeli? adeli)
    {
        Value = value;
        RppsNumber = rpps;
        AdeliNumber = adeli;
    }

    /// <inheritdoc/>
    public string Value { get; }

    /// <summary>Which registry the number comes from.</summary>
    public IdNatPsKind Kind => AdeliNumber is null ? IdNatPsKind.Rpps : IdNatPsKind.Adeli;

    /// <summary>The underlying RPPS number, when <see cref="Kind"/> is <see cref="IdNatPsKind.Rpps"/>.</summary>
    public Rpps? RppsNumber { get; }

    /// <summary>The underlying ADELI number, when <see cref="Kind"/> is <see cref="IdNatPsKind.Adeli"/>.</summary>
    public Adeli? AdeliNumber { get; }

    /// <inheritdoc/>
    public bool IsKeyValid => RppsNumber?.IsKeyValid ?? AdeliNumber is not null;

    /// <summary>The idNat_PS of an RPPS number (<c>8</c> + RPPS).</summary>
    public static IdNatPs FromRpps(Rpps rpps)
    {
        ArgumentException.ThrowIfNullOrEmpty(rpps.Value, nameof(rpps));
        return new IdNatPs(RppsPrefix + rpps.Value, rpps, null);
    }

    /// <summary>The idNat_PS of an ADELI number (<c>0</c> + ADELI).</summary>
    public static IdNatPs FromAdeli(Adeli adeli)
    {
        ArgumentException.ThrowIfNullOrEmpty(adeli.Value, nameof(adeli));
        return new IdNatPs(AdeliPrefix + adeli.Value, null, adeli);
    }

    /// <inheritdoc/>
    public static bool TryParse([NotNullWhen(true)] string? input, out IdNatPs value, out IdentifierError error)
        => TryParse(input, strict: true, out value, out error);

    /// <inheritdoc/>
    /// <remarks>A wrong RPPS key is reported with <see cref="IdentifierKind.Rpps"/>.</remarks>
    public static bool TryParseLenient([NotNullWhen(true)] string? input, out IdNatPs value, out IdentifierError anomaly)
        => TryParse(input, strict: false, out value, out anomaly);

    /// <inheritdoc/>
    public static IdNatPs Parse(string input)
        => TryParse(input, out var value, out var error) ? value : throw new IdentifierFormatException(error);

    /// <inheritdoc/>
    public override string ToString() => Value ?? string.Empty;

    private static bool TryParse(string? input, bool strict, out IdNatPs value, out IdentifierError error)
    {
        value = default;
        if (!IdentifierText.TryTrim(input, IdentifierKind.IdNatPs, out var text, out error))
        {
            return false;
        }

        if (!IdentifierText.AllDigits(text))
        {
            error = new IdentifierError(IdentifierKind.IdNatPs, IdentifierErrorCode.InvalidCharacters);
            return false;
        }

        var expectedLength = text[0] switch
        {
            RppsPrefix => 1 + Rpps.Length,
            AdeliPrefix => 1 + Adeli.Length,
            _ => 0,
        };
        if (expectedLength == 0)
        {
            error = new IdentifierError(IdentifierKind.IdNatPs, IdentifierErrorCode.InvalidPrefix);
            return false;
        }

        if (text.Length != expectedLength)
        {
            error = new IdentifierError(IdentifierKind.IdNatPs, IdentifierErrorCode.InvalidLength);
            return false;
        }

        var number = text[1..];
        if (text[0] == AdeliPrefix)
        {
            if (!Adeli.TryParse(number, out var adeli, out error))
            {
                return false;
            }

            value = new IdNatPs(text, null, adeli);
            return true;
        }

        var parsed = strict
            ? Rpps.TryParse(number, out var rpps, out error)
            : Rpps.TryParseLenient(number, out rpps, out error);
        if (parsed)
        {
            value = new IdNatPs(text, rpps, null);
        }

        return parsed;
    }
}
