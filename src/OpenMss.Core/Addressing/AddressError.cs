using OpenMss.Core.Identifiers;

namespace OpenMss.Core.Addressing;

/// <summary>Why an MSSanté address was refused.</summary>
public enum AddressErrorCode
{
    /// <summary>No error.</summary>
    None,

    /// <summary>Nothing but whitespace was given.</summary>
    Empty,

    /// <summary>No <c>@</c> separating the local part from the domain.</summary>
    MissingAt,

    /// <summary>Nothing before the <c>@</c>.</summary>
    EmptyLocalPart,

    /// <summary>The local part is not an RFC 5321 dot-atom (bad character, leading, trailing or double dot, quoted string).</summary>
    InvalidLocalPart,

    /// <summary>The local part is longer than 64 octets (RFC 5321 §4.5.3.1.1).</summary>
    LocalPartTooLong,

    /// <summary>The whole address is longer than 254 octets.</summary>
    AddressTooLong,

    /// <summary>The domain is not a valid domain name.</summary>
    InvalidDomain,

    /// <summary>The domain is not under <c>.mssante.fr</c>.</summary>
    NotTrustSpaceDomain,

    /// <summary>The domain is <c>mssante.fr</c> itself, which hosts no mailbox.</summary>
    TrustSpaceRoot,

    /// <summary>A patient address must be at <c>patient.mssante.fr</c>.</summary>
    NotPatientDomain,

    /// <summary>The local part of a patient address is not a valid INS matricule; see <see cref="AddressError.Identifier"/>.</summary>
    InvalidPatientIdentifier,
}

/// <summary>
/// The reason an address was refused: a code for programs, <see cref="Reason"/> in French for people and
/// <see cref="EnglishReason"/> for logs. For <see cref="AddressErrorCode.InvalidPatientIdentifier"/>,
/// <see cref="Identifier"/> says what is wrong with the INS. The texts never repeat the address.
/// </summary>
/// <remarks><c>default</c> is "no error" (<see cref="IsNone"/>).</remarks>
public readonly record struct AddressError(AddressErrorCode Code, IdentifierError Identifier = default)
{
    /// <summary>No error.</summary>
    public static AddressError None => default;

    /// <summary>True when there is no error.</summary>
    public bool IsNone => Code == AddressErrorCode.None;

    /// <summary>The reason in French, for a person.</summary>
    public string Reason => Code switch
    {
        AddressErrorCode.None => string.Empty,
        AddressErrorCode.Empty => "L'adresse n'est pas renseignée.",
        AddressErrorCode.MissingAt => "L'adresse doit être de la forme nom@domaine.mssante.fr.",
        AddressErrorCode.EmptyLocalPart => "La partie de l'adresse avant @ est vide.",
        AddressErrorCode.InvalidLocalPart => "La partie de l'adresse avant @ ne peut contenir que des lettres non accentuées, des chiffres, les caractères ! # $ % & ' * + - / = ? ^ _ ` { | } ~ et des points (ni au début, ni à la fin, ni deux de suite).",
        AddressErrorCode.LocalPartTooLong => "La partie de l'adresse avant @ ne doit pas dépasser 64 caractères.",
        AddressErrorCode.AddressTooLong => "L'adresse ne doit pas dépasser 254 caractères.",
        AddressErrorCode.InvalidDomain => "Le domaine de l'adresse (après @) n'est pas un nom de domaine valide.",
        AddressErrorCode.NotTrustSpaceDomain => "Le domaine de l'adresse doit appartenir à l'espace de confiance MSSanté, c'est-à-dire se terminer par .mssante.fr.",
        AddressErrorCode.TrustSpaceRoot => "mssante.fr n'héberge aucune boîte aux lettres : utilisez le domaine de l'opérateur, par exemple pharmacien.mssante.fr.",
        AddressErrorCode.NotPatientDomain => "Une adresse patient doit se terminer par @patient.mssante.fr.",
        AddressErrorCode.InvalidPatientIdentifier => "Une adresse patient commence par le matricule INS du patient. " + Identifier.Reason,
        _ => "L'adresse est invalide.",
    };

    /// <summary>The reason in English, for logs and API consumers.</summary>
    public string EnglishReason => Code switch
    {
        AddressErrorCode.None => string.Empty,
        AddressErrorCode.Empty => "The address is empty.",
        AddressErrorCode.MissingAt => "An address has the form name@domain.mssante.fr.",
        AddressErrorCode.EmptyLocalPart => "The part of the address before @ is empty.",
        AddressErrorCode.InvalidLocalPart => "The part of the address before @ must be an RFC 5321 dot-atom: ASCII letters, digits, ! # $ % & ' * + - / = ? ^ _ ` { | } ~ and dots (not first, last or doubled).",
        AddressErrorCode.LocalPartTooLong => "The part of the address before @ must not exceed 64 characters.",
        AddressErrorCode.AddressTooLong => "The address must not exceed 254 characters.",
        AddressErrorCode.InvalidDomain => "The domain of the address (after @) is not a valid domain name.",
        AddressErrorCode.NotTrustSpaceDomain => "The domain of the address must belong to the MSSanté trust space, i.e. end with .mssante.fr.",
        AddressErrorCode.TrustSpaceRoot => "mssante.fr hosts no mailbox: use the operator's domain, e.g. pharmacien.mssante.fr.",
        AddressErrorCode.NotPatientDomain => "A patient address ends with @patient.mssante.fr.",
        AddressErrorCode.InvalidPatientIdentifier => "A patient address starts with the patient's INS matricule. " + Identifier.EnglishReason,
        _ => "The address is invalid.",
    };

    /// <inheritdoc/>
    public override string ToString() => IsNone ? "None" : $"{Code}: {EnglishReason}";
}

/// <summary>Thrown by the <c>Parse</c> methods of the address types; carries the <see cref="AddressError"/>.</summary>
/// <remarks>The message is the English reason; show <see cref="AddressError.Reason"/> to a person.</remarks>
public sealed class AddressFormatException : FormatException
{
    public AddressFormatException(AddressError error)
        : base(error.EnglishReason) => Error = error;

    /// <summary>Why the input was refused.</summary>
    public AddressError Error { get; }
}
