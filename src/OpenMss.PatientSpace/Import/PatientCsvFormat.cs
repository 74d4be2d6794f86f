using System.Globalization;
using OpenMss.Core.Identifiers;
using OpenMss.PatientSpace.Registry;

namespace OpenMss.PatientSpace.Import;

/// <summary>
/// The CSV file of the patient registry (docs/patients.md): UTF-8, a header line, <c>;</c> between
/// fields, RFC 4180 quoting, seven columns. Turns one record into a <see cref="PatientImportRow"/> or
/// says, without repeating the value, why it cannot.
/// </summary>
public static class PatientCsvFormat
{
    /// <summary>The field separator.</summary>
    public const string Separator = ";";

    /// <summary>The columns, in order, as the header line names them.</summary>
    public static IReadOnlyList<string> Columns { get; } = ["ins", "given_names", "family_name", "birth_date", "insurer_email", "card_serial", "state"];

    /// <summary>The header line.</summary>
    public static string HeaderLine { get; } = string.Join(Separator, Columns);

    /// <summary>The longest name, e-mail address or card serial accepted (characters).</summary>
    public const int MaxFieldLength = 254;

    /// <summary>Whether <paramref name="fields"/> are the header line (column names compared case-insensitively).</summary>
    public static bool IsHeader(IReadOnlyList<string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count != Columns.Count)
        {
            return false;
        }

        for (var i = 0; i < fields.Count; i++)
        {
            if (!string.Equals(fields[i].Trim(), Columns[i], StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Reads one record. Null when it is valid (<paramref name="row"/> set), otherwise the reason, in
    /// English, which never quotes the field (it may be an INS or a name).
    /// </summary>
    public static string? TryRead(IReadOnlyList<string> fields, out PatientImportRow? row)
    {
        ArgumentNullException.ThrowIfNull(fields);
        row = null;
        if (fields.Count != Columns.Count)
        {
            return string.Create(CultureInfo.InvariantCulture, $"wrong column count: {fields.Count} instead of {Columns.Count}");
        }

        if (!InsMatricule.TryParse(fields[0], out var ins, out var insError))
        {
            return insError.Code == IdentifierErrorCode.InvalidKey
                ? "bad INS key"
                : "INS malformed (" + InsProblem(insError.Code) + ")";
        }

        var given = fields[1].Trim();
        var family = fields[2].Trim();
        if (given.Length == 0 || family.Length == 0)
        {
            return given.Length == 0 ? "given_names is empty" : "family_name is empty";
        }

        if (given.Length > MaxFieldLength || family.Length > MaxFieldLength)
        {
            return "a name is longer than 254 characters";
        }

        if (!DateOnly.TryParseExact(fields[3].Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var birthDate) || birthDate.Year < 1850)
        {
            return "bad date: birth_date must be a date written YYYY-MM-DD";
        }

        var email = Optional(fields[4]);
        if (email is not null && !IsEmail(email))
        {
            return "insurer_email is not an e-mail address";
        }

        var card = Optional(fields[5]);
        if (card is not null && (card.Length > 32 || !card.All(char.IsAsciiLetterOrDigit)))
        {
            return "card_serial must be 1 to 32 letters or digits";
        }

        if (!PatientAccountStates.TryParse(fields[6], out var state))
        {
            return "unknown state: expected activated, not-activated, opposed or closed";
        }

        row = new PatientImportRow(ins, new PatientIdentity(given, family, birthDate, email, card), state);
        return null;
    }

    /// <summary>One CSV line for a patient (demo and benchmark data), quoted where RFC 4180 needs it.</summary>
    public static string Line(InsMatricule ins, PatientIdentity identity, PatientAccountState state)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return string.Join(Separator,
            ins.Value,
            Quote(identity.GivenNames),
            Quote(identity.FamilyName),
            identity.BirthDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Quote(identity.InsurerEmail ?? string.Empty),
            identity.CardSerial ?? string.Empty,
            state.ToText());
    }

    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(";\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string? Optional(string field)
    {
        var trimmed = field.Trim();
        return trimmed.Length == 0 ? null : trimmed;
    }

    private static bool IsEmail(string value) =>
        value.Length <= MaxFieldLength
        && System.Net.Mail.MailAddress.TryCreate(value, out var parsed)
        && string.Equals(parsed.Address, value, StringComparison.Ordinal)
        && parsed.DisplayName.Length == 0;

    private static string InsProblem(IdentifierErrorCode code) => code switch
    {
        IdentifierErrorCode.InvalidLength => "not 15 characters",
        IdentifierErrorCode.InvalidCharacters => "characters other than digits, 2A or 2B",
        IdentifierErrorCode.InvalidSex => "first digit",
        IdentifierErrorCode.InvalidMonth => "birth month",
        IdentifierErrorCode.InvalidDepartment => "department",
        _ => "shape",
    };
}
