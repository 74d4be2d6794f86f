using OpenMss.Core.Conversations;

namespace OpenMss.Core.Tests.Conversations;

public class ConversationRulesTests
{
    // 10:00 in Paris on 15 June 2026.
    private static readonly DateTimeOffset Now = new(2026, 6, 15, 10, 0, 0, TimeSpan.FromHours(2));
    private static readonly DateOnly Today = new(2026, 6, 15);

    public static TheoryData<string, ConversationAuthor, ConversationState, MailboxKind, bool, int?, ConversationOutcome, ConversationRefusal> Table => new()
    {
        // A professional may always write, in any state, from any kind of mailbox.
        { "professional starts", ConversationAuthor.Professional, ConversationState.None, MailboxKind.Personal, false, null, ConversationOutcome.ProfessionalMessage, ConversationRefusal.None },
        { "professional after FIN", ConversationAuthor.Professional, ConversationState.Closed, MailboxKind.Applicative, false, null, ConversationOutcome.ProfessionalMessage, ConversationRefusal.None },
        { "pharmacy writes", ConversationAuthor.Professional, ConversationState.Open, MailboxKind.Organisational, true, -10, ConversationOutcome.ProfessionalMessage, ConversationRefusal.None },

        // The patient replies in an open conversation, whatever the kind of mailbox.
        { "reply to a doctor", ConversationAuthor.Patient, ConversationState.Open, MailboxKind.Personal, false, null, ConversationOutcome.Reply, ConversationRefusal.None },
        { "reply to a lab", ConversationAuthor.Patient, ConversationState.Open, MailboxKind.Applicative, false, null, ConversationOutcome.Reply, ConversationRefusal.None },
        { "reply to a practice", ConversationAuthor.Patient, ConversationState.Open, MailboxKind.Practice, false, null, ConversationOutcome.Reply, ConversationRefusal.None },
        { "reply to a hospital ORG", ConversationAuthor.Patient, ConversationState.Open, MailboxKind.Organisational, false, null, ConversationOutcome.Reply, ConversationRefusal.None },
        { "reply to a pharmacy never visited", ConversationAuthor.Patient, ConversationState.Open, MailboxKind.Organisational, true, null, ConversationOutcome.Reply, ConversationRefusal.None },

        // A reply in a closed conversation is refused...
        { "reply to a doctor after FIN", ConversationAuthor.Patient, ConversationState.Closed, MailboxKind.Personal, false, null, ConversationOutcome.Refused, ConversationRefusal.ConversationClosed },
        { "reply to a lab after FIN", ConversationAuthor.Patient, ConversationState.Closed, MailboxKind.Applicative, false, null, ConversationOutcome.Refused, ConversationRefusal.ConversationClosed },
        { "reply to a practice after FIN", ConversationAuthor.Patient, ConversationState.Closed, MailboxKind.Practice, false, null, ConversationOutcome.Refused, ConversationRefusal.ConversationClosed },
        { "reply to a hospital ORG after FIN", ConversationAuthor.Patient, ConversationState.Closed, MailboxKind.Organisational, false, -10, ConversationOutcome.Refused, ConversationRefusal.ConversationClosed },
        { "reply to a pharmacy without dispensation after FIN", ConversationAuthor.Patient, ConversationState.Closed, MailboxKind.Organisational, true, null, ConversationOutcome.Refused, ConversationRefusal.ConversationClosed },
        { "reply to a pharmacy with an old dispensation after FIN", ConversationAuthor.Patient, ConversationState.Closed, MailboxKind.Organisational, true, -400, ConversationOutcome.Refused, ConversationRefusal.ConversationClosed },

        // ...except to an eligible pharmacy, which the patient may always engage anew.
        { "eligible pharmacy after FIN", ConversationAuthor.Patient, ConversationState.Closed, MailboxKind.Organisational, true, -30, ConversationOutcome.NewConversationWithPharmacy, ConversationRefusal.None },

        // A patient starts a conversation only with an eligible pharmacy.
        { "eligible pharmacy", ConversationAuthor.Patient, ConversationState.None, MailboxKind.Organisational, true, -30, ConversationOutcome.NewConversationWithPharmacy, ConversationRefusal.None },
        { "dispensation today", ConversationAuthor.Patient, ConversationState.None, MailboxKind.Organisational, true, 0, ConversationOutcome.NewConversationWithPharmacy, ConversationRefusal.None },
        { "pharmacy without dispensation", ConversationAuthor.Patient, ConversationState.None, MailboxKind.Organisational, true, null, ConversationOutcome.Refused, ConversationRefusal.NoRecentDispensation },
        { "pharmacy visited 13 months ago", ConversationAuthor.Patient, ConversationState.None, MailboxKind.Organisational, true, -396, ConversationOutcome.Refused, ConversationRefusal.NoRecentDispensation },
        { "dispensation in the future", ConversationAuthor.Patient, ConversationState.None, MailboxKind.Organisational, true, 1, ConversationOutcome.Refused, ConversationRefusal.NoRecentDispensation },
        { "a pharmacist's PER mailbox", ConversationAuthor.Patient, ConversationState.None, MailboxKind.Personal, true, -30, ConversationOutcome.Refused, ConversationRefusal.NotAPharmacy },
        { "a doctor", ConversationAuthor.Patient, ConversationState.None, MailboxKind.Personal, false, null, ConversationOutcome.Refused, ConversationRefusal.NotAPharmacy },
        { "a practice", ConversationAuthor.Patient, ConversationState.None, MailboxKind.Practice, false, null, ConversationOutcome.Refused, ConversationRefusal.NotAPharmacy },
        { "a lab application", ConversationAuthor.Patient, ConversationState.None, MailboxKind.Applicative, false, null, ConversationOutcome.Refused, ConversationRefusal.NotAPharmacy },
        { "a hospital ORG", ConversationAuthor.Patient, ConversationState.None, MailboxKind.Organisational, false, -30, ConversationOutcome.Refused, ConversationRefusal.NotAPharmacy },
        { "an APP mailbox marked pharmacy", ConversationAuthor.Patient, ConversationState.None, MailboxKind.Applicative, true, -30, ConversationOutcome.Refused, ConversationRefusal.NotAPharmacy },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void The_decision_table(string @case, ConversationAuthor author, ConversationState state, MailboxKind kind, bool isPharmacy, int? dispensedDaysAgo, ConversationOutcome outcome, ConversationRefusal refusal)
    {
        var dispensed = dispensedDaysAgo is { } days ? Today.AddDays(days) : (DateOnly?)null;

        var decision = ConversationRules.Decide(new ConversationFacts(author, state, kind, isPharmacy, dispensed, Now));

        Assert.True(outcome == decision.Outcome, $"{@case}: expected {outcome}, got {decision.Outcome}");
        Assert.Equal(refusal, decision.Refusal);
        Assert.Equal(outcome != ConversationOutcome.Refused, decision.IsAllowed);
        Assert.Equal(outcome == ConversationOutcome.NewConversationWithPharmacy, decision.StartsConversation);
    }

    [Theory]
    [InlineData("2025-06-15", true)] // twelve months ago to the day: included
    [InlineData("2025-06-14", false)]
    [InlineData("2026-06-15", true)]
    [InlineData("2026-06-16", false)]
    public void The_twelve_months_are_counted_in_calendar_months_from_today(string dispensed, bool eligible)
    {
        var refusal = ConversationRules.PharmacyEligibility(MailboxKind.Organisational, isPharmacy: true, DateOnly.Parse(dispensed, System.Globalization.CultureInfo.InvariantCulture), Now);

        Assert.Equal(eligible ? ConversationRefusal.None : ConversationRefusal.NoRecentDispensation, refusal);
    }

    [Fact]
    public void Today_is_the_date_of_now_in_its_own_offset()
    {
        // 00:30 in Paris on 16 June is still 15 June in UTC: a dispensation of 16 June counts in Paris time only.
        var paris = new DateTimeOffset(2026, 6, 16, 0, 30, 0, TimeSpan.FromHours(2));
        var dispensed = new DateOnly(2026, 6, 16);

        Assert.Equal(ConversationRefusal.None, ConversationRules.PharmacyEligibility(MailboxKind.Organisational, true, dispensed, paris));
        Assert.Equal(ConversationRefusal.NoRecentDispensation, ConversationRules.PharmacyEligibility(MailboxKind.Organisational, true, dispensed, paris.ToUniversalTime()));
    }

    [Fact]
    public void A_leap_day_dispensation_stays_eligible_until_the_end_of_february_a_year_later()
    {
        var dispensed = new DateOnly(2028, 2, 29);

        Assert.Equal(ConversationRefusal.None, ConversationRules.PharmacyEligibility(MailboxKind.Organisational, true, dispensed, new DateTimeOffset(2029, 2, 28, 12, 0, 0, TimeSpan.FromHours(1))));
        Assert.Equal(ConversationRefusal.NoRecentDispensation, ConversationRules.PharmacyEligibility(MailboxKind.Organisational, true, dispensed, new DateTimeOffset(2029, 3, 1, 12, 0, 0, TimeSpan.FromHours(1))));
    }
}
