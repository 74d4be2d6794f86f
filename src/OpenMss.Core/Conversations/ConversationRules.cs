namespace OpenMss.Core.Conversations;

/// <summary>Who wrote a message exchanged with the patient space.</summary>
public enum ConversationAuthor
{
    /// <summary>A health professional's mailbox (<c>PER</c>, <c>ORG</c>, <c>APP</c> or <c>CAB</c>).</summary>
    Professional,

    /// <summary>A patient's mailbox in Mon espace santé.</summary>
    Patient,
}

/// <summary>The conversation a patient's message belongs to, as <see cref="ConversationThreading"/> found it.</summary>
public enum ConversationState
{
    /// <summary>The message cites no message the patient received from that mailbox: it would start a conversation.</summary>
    None,

    /// <summary>It belongs to a conversation the professional has not closed.</summary>
    Open,

    /// <summary>It belongs to a conversation the professional closed (<see cref="ConversationClosing"/>).</summary>
    Closed,
}

/// <summary>What a message does to the conversations between a patient and a professional mailbox.</summary>
public enum ConversationOutcome
{
    /// <summary>Refused: nothing is sent (see <see cref="ConversationDecision.Refusal"/>).</summary>
    Refused,

    /// <summary>A professional's message: always allowed; it starts a conversation or continues one.</summary>
    ProfessionalMessage,

    /// <summary>A patient's reply in an open conversation.</summary>
    Reply,

    /// <summary>A patient's first message to an eligible pharmacy: a new conversation (also after a closed one with it).</summary>
    NewConversationWithPharmacy,
}

/// <summary>Why a patient's message is refused. The SMTP side maps each to a reply of its catalogue.</summary>
public enum ConversationRefusal
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>The message answers a conversation the professional closed, and the recipient is not a pharmacy the patient may write to anew.</summary>
    ConversationClosed,

    /// <summary>A new conversation with a mailbox that is not a pharmacy's <c>ORG</c> mailbox (a <c>PER</c>, <c>APP</c> or <c>CAB</c> mailbox, or the <c>ORG</c> mailbox of another kind of structure).</summary>
    NotAPharmacy,

    /// <summary>A new conversation with a pharmacy where the patient had no reimbursed dispensation in the past twelve months.</summary>
    NoRecentDispensation,
}

/// <summary>The verdict of <see cref="ConversationRules.Decide"/>.</summary>
public sealed record ConversationDecision(ConversationOutcome Outcome, ConversationRefusal Refusal)
{
    /// <summary>Whether the message may be sent.</summary>
    public bool IsAllowed => Outcome != ConversationOutcome.Refused;

    /// <summary>Whether a patient's message starts a new conversation (to be remembered as such by the patient space).</summary>
    public bool StartsConversation => Outcome == ConversationOutcome.NewConversationWithPharmacy;

    internal static ConversationDecision Allow(ConversationOutcome outcome) => new(outcome, ConversationRefusal.None);

    internal static ConversationDecision Refuse(ConversationRefusal refusal) => new(ConversationOutcome.Refused, refusal);
}

/// <summary>
/// The facts about one message between a patient and one professional mailbox that the rules decide on.
/// Everything is looked up by the caller (the patient space): the conversation from the cited
/// identifiers (<see cref="ConversationThreading"/>), the recipient's kind and whether it is a
/// pharmacy from the directory (by the FINESS of its establishment), and the patient's most
/// recent reimbursed dispensation at that pharmacy from the health insurer's records.
/// </summary>
/// <param name="Author">Who wrote the message.</param>
/// <param name="Conversation">The conversation a patient's message belongs to.</param>
/// <param name="RecipientKind">The kind of the professional mailbox a patient writes to.</param>
/// <param name="RecipientIsPharmacy">Whether the directory lists that mailbox for a pharmacy (officine).</param>
/// <param name="LastReimbursedDispensation">The date of the patient's most recent reimbursed dispensation at that pharmacy, if any.</param>
/// <param name="Now">
/// The current instant, in the offset of the calendar the dispensation dates are written in
/// (Europe/Paris for the health insurer's records): its calendar date is "today".
/// </param>
public sealed record ConversationFacts(
    ConversationAuthor Author,
    ConversationState Conversation,
    MailboxKind RecipientKind,
    bool RecipientIsPharmacy,
    DateOnly? LastReimbursedDispensation,
    DateTimeOffset Now);

/// <summary>
/// The conversation rules of Mon espace santé between a patient and a professional mailbox, as a
/// pure decision table applied by the patient space on its recipient and message acceptance stages,
/// whichever way the patient writes (portal, HTTP API, submission):
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Message</term><description>Verdict</description></listheader>
/// <item><term>from a professional (any kind of mailbox)</term><description>allowed, always</description></item>
/// <item><term>from the patient, in an open conversation</term><description>allowed (a reply), whatever the kind of mailbox</description></item>
/// <item><term>from the patient, in a closed conversation, to an eligible pharmacy</term><description>allowed as a new conversation</description></item>
/// <item><term>from the patient, in a closed conversation, to any other mailbox</term><description>refused: <see cref="ConversationRefusal.ConversationClosed"/></description></item>
/// <item><term>from the patient, in no conversation, to an eligible pharmacy</term><description>allowed as a new conversation</description></item>
/// <item><term>from the patient, in no conversation, to a mailbox that is not a pharmacy's <c>ORG</c></term><description>refused: <see cref="ConversationRefusal.NotAPharmacy"/></description></item>
/// <item><term>from the patient, in no conversation, to a pharmacy without recent dispensation</term><description>refused: <see cref="ConversationRefusal.NoRecentDispensation"/></description></item>
/// </list>
/// An eligible pharmacy is an <c>ORG</c> mailbox the directory lists for a pharmacy where the
/// patient had a reimbursed dispensation in the past twelve months: on a date from twelve calendar
/// months before today (that day included) to today. A dispensation dated after today is a record
/// error and counts for nothing. A message to several mailboxes is decided for each recipient.
/// </remarks>
public static class ConversationRules
{
    /// <summary>How far back a reimbursed dispensation makes a pharmacy reachable.</summary>
    public const int DispensationMonths = 12;

    /// <summary>Decides whether the message may be sent, and what it does to the conversations.</summary>
    public static ConversationDecision Decide(ConversationFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (facts.Author == ConversationAuthor.Professional)
        {
            return ConversationDecision.Allow(ConversationOutcome.ProfessionalMessage);
        }

        if (facts.Conversation == ConversationState.Open)
        {
            return ConversationDecision.Allow(ConversationOutcome.Reply);
        }

        var eligibility = PharmacyEligibility(facts.RecipientKind, facts.RecipientIsPharmacy, facts.LastReimbursedDispensation, facts.Now);
        if (eligibility == ConversationRefusal.None)
        {
            return ConversationDecision.Allow(ConversationOutcome.NewConversationWithPharmacy);
        }

        return ConversationDecision.Refuse(facts.Conversation == ConversationState.Closed ? ConversationRefusal.ConversationClosed : eligibility);
    }

    /// <summary>
    /// Whether a patient may start a conversation with this mailbox: <see cref="ConversationRefusal.None"/>
    /// for an eligible pharmacy, else why not (<see cref="ConversationRefusal.NotAPharmacy"/> or
    /// <see cref="ConversationRefusal.NoRecentDispensation"/>). The portal uses it to list
    /// "Écrire à ma pharmacie".
    /// </summary>
    public static ConversationRefusal PharmacyEligibility(MailboxKind kind, bool isPharmacy, DateOnly? lastReimbursedDispensation, DateTimeOffset now)
    {
        if (kind != MailboxKind.Organisational || !isPharmacy)
        {
            return ConversationRefusal.NotAPharmacy;
        }

        var today = DateOnly.FromDateTime(now.DateTime);
        return lastReimbursedDispensation is { } date && date <= today && date >= today.AddMonths(-DispensationMonths)
            ? ConversationRefusal.None
            : ConversationRefusal.NoRecentDispensation;
    }
}
