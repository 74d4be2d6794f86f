namespace OpenMss.Core.Identifiers;

/// <summary>Why an identifier was refused (or, from a lenient parse, the anomaly it carries).</summary>
public enum IdentifierErrorCode
{
    /// <summary>No error.</summary>
    None,

    /// <summary>Nothing but whitespace was given.</summary>
    Empty,

    /// <summary>Not the number of characters the identifier has.</summary>
    InvalidLength,

    /// <summary>A character other than those the identifier allows (digits, and <c>2A</c>/<c>2B</c> where Corsica applies).</summary>
    InvalidCharacters,

    /// <summary>The check key does not match the number.</summary>
    InvalidKey,

    /// <summary>idNat_PS only: the type digit is neither <c>8</c> (RPPS) nor <c>0</c> (ADELI).</summary>
    InvalidPrefix,

    /// <summary>INS only: the first digit of the NIR is not a known sex/registration code.</summary>
    InvalidSex,

    /// <summary>INS only: the birth month of the NIR is outside the ranges in use.</summary>
    InvalidMonth,

    /// <summary>INS only: the birth department of the NIR is not a department code.</summary>
    InvalidDepartment,
}

/// <summary>
/// The reason an identifier was refused, as a code for programs and as a sentence for people:
/// <see cref="Reason"/> in French for the UI, <see cref="EnglishReason"/> for logs and APIs.
/// The texts never repeat the input, so an error may be logged even when the input was a patient's INS.
/// </summary>
/// <remarks><c>default</c> is "no error" (<see cref="IsNone"/>).</remarks>
public readonly record struct IdentifierError(IdentifierKind Kind, IdentifierErrorCode Code)
{
    /// <summary>No error.</summary>
    public static IdentifierError None => default;

    /// <summary>True when there is no error.</summary>
    public bool IsNone => Code == IdentifierErrorCode.None;

    /// <summary>The reason in French, for a person (form, import report, delivery notification).</summary>
    public string Reason => IdentifierMessages.French(Kind, Code);

    /// <summary>The reason in English, for logs and API consumers.</summary>
    public string EnglishReason => IdentifierMessages.English(Kind, Code);

    /// <inheritdoc/>
    public override string ToString() => IsNone ? "None" : $"{Kind}.{Code}: {EnglishReason}";
}

/// <summary>Thrown by the <c>Parse</c> methods of the identifier types; carries the <see cref="IdentifierError"/>.</summary>
/// <remarks>The message is the English reason; show <see cref="IdentifierError.Reason"/> to a person.</remarks>
public sealed class IdentifierFormatException : FormatException
{
    public IdentifierFormatException(IdentifierError error)
        : base(error.EnglishReason) => Error = error;

    /// <summary>Why the input was refused.</summary>
    public IdentifierError Error { get; }
}
