using OpenMss.Core.Identifiers;

namespace OpenMss.PatientSpace.Registry;

/// <summary>
/// The state of a patient's account in Mon espace santé, which decides what happens to the next
/// message for the patient (docs/patients.md, "Account states").
/// </summary>
/// <remarks>The numbers are stored in the registry: never renumber them.</remarks>
public enum PatientAccountState
{
    /// <summary><c>activated</c>: the patient activated the space; messages are delivered.</summary>
    Activated = 1,

    /// <summary><c>not-activated</c>: messages are kept, readable by nobody until the patient activates.</summary>
    NotActivated = 2,

    /// <summary><c>opposed</c>: the patient opposed the creation of the space; messages are refused at RCPT.</summary>
    Opposed = 3,

    /// <summary><c>closed</c>: the patient closed the space; messages are refused at RCPT.</summary>
    Closed = 4,
}

/// <summary>The text forms of <see cref="PatientAccountState"/> used by the CSV import, the CLI and demo.json.</summary>
public static class PatientAccountStates
{
    /// <summary>Every state's text, in the order of the enumeration.</summary>
    public static IReadOnlyList<string> Names { get; } = ["activated", "not-activated", "opposed", "closed"];

    /// <summary>The text form: <c>activated</c>, <c>not-activated</c>, <c>opposed</c> or <c>closed</c>.</summary>
    public static string ToText(this PatientAccountState state) => state switch
    {
        PatientAccountState.Activated => "activated",
        PatientAccountState.NotActivated => "not-activated",
        PatientAccountState.Opposed => "opposed",
        PatientAccountState.Closed => "closed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown patient account state."),
    };

    /// <summary>Parses a text form (case-insensitive, surrounding spaces ignored).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out PatientAccountState state)
    {
        var trimmed = text.Trim();
        for (var i = 0; i < Names.Count; i++)
        {
            if (trimmed.Equals(Names[i], StringComparison.OrdinalIgnoreCase))
            {
                state = (PatientAccountState)(i + 1);
                return true;
            }
        }

        state = default;
        return false;
    }

    /// <summary>Whether a message for a patient in this state is accepted (kept or delivered) rather than refused at RCPT.</summary>
    public static bool AcceptsMail(this PatientAccountState state) => state is PatientAccountState.Activated or PatientAccountState.NotActivated;
}

/// <summary>
/// What the health insurer knows of a patient: names, date of birth, the personal e-mail address it
/// has on file and the serial number of the patient's health-insurance card (asked at activation).
/// Personal data: sealed at rest, never logged.
/// </summary>
/// <param name="GivenNames">Prénoms, as in the INS reference identity.</param>
/// <param name="FamilyName">Nom de naissance.</param>
/// <param name="InsurerEmail">The e-mail address the insurer has, or null (the patient still receives mail).</param>
/// <param name="CardSerial">The serial number of the health-insurance card (carte Vitale), or null.</param>
public sealed record PatientIdentity(string GivenNames, string FamilyName, DateOnly BirthDate, string? InsurerEmail, string? CardSerial);

/// <summary>One patient of the registry.</summary>
/// <param name="Ins">The INS matricule, the local part of the patient's address.</param>
/// <param name="StateChangedAt">When <paramref name="State"/> was last changed (by an import, an administrator or the patient).</param>
/// <param name="PersonalEmail">The address the patient chose at activation for notifications, or null.</param>
public sealed record Patient(InsMatricule Ins, PatientIdentity Identity, PatientAccountState State, DateTimeOffset StateChangedAt, string? PersonalEmail);

/// <summary>One patient as an import gives it: identity and the insurer's view of the account state.</summary>
public sealed record PatientImportRow(InsMatricule Ins, PatientIdentity Identity, PatientAccountState State);

/// <summary>A state change: what it was, what it is now, and when.</summary>
public sealed record PatientStateChange(PatientAccountState Previous, PatientAccountState Current, DateTimeOffset At)
{
    /// <summary>Whether the state actually changed (setting the same state again is not a change).</summary>
    public bool Changed => Previous != Current;
}
