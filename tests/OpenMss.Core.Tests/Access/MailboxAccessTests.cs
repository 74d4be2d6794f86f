using OpenMss.Core.Access;

namespace OpenMss.Core.Tests.Access;

public class MailboxAccessTests
{
    private static readonly MailboxAccessTarget PerMartin = new("dr.martin@medecin.mssante.fr", MailboxKind.Personal, "810000000001");
    private static readonly MailboxAccessTarget Pharmacy = new("pharmacie@pharmacien.mssante.fr", MailboxKind.Organisational, "10B0123456");
    private static readonly MailboxAccessTarget Cabinet = new("cabinet@medecin.mssante.fr", MailboxKind.Practice, null);
    private static readonly MailboxAccessTarget Labo = new("labo.resultats@laboratoire.mssante.fr", MailboxKind.Applicative, null);

    private static readonly AccessActor Martin = AccessActor.Professional("810000000001");
    private static readonly AccessActor Durand = AccessActor.Professional("810000000002");
    private static readonly AccessActor LaboApp = AccessActor.Application(["Labo.Resultats@Laboratoire.mssante.fr"]);

    [Fact]
    public void A_personal_mailbox_is_used_by_its_owner_only()
    {
        Assert.True(MailboxAccess.Decide(Martin, PerMartin, isMember: false).IsAllowed);
        Assert.True(MailboxAccess.Decide(AccessActor.Professional(" 810000000001 "), PerMartin, isMember: false).IsAllowed);

        var other = MailboxAccess.Decide(Durand, PerMartin, isMember: true);
        Assert.False(other.IsAllowed);
        Assert.Equal(AccessRefusal.NotOwner, other.Refusal);
        Assert.Contains("seul son titulaire", other.French, StringComparison.Ordinal);
        Assert.Contains("only its owner", other.English, StringComparison.Ordinal);
        Assert.False(MailboxAccess.Decide(Martin, PerMartin with { OwnerId = null }, isMember: false).IsAllowed);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Organisational_and_practice_mailboxes_are_used_by_their_members(bool isMember)
    {
        var org = MailboxAccess.Decide(Durand, Pharmacy, isMember);
        var cab = MailboxAccess.Decide(Durand, Cabinet, isMember);

        Assert.Equal(isMember, org.IsAllowed);
        Assert.Equal(isMember, cab.IsAllowed);
        Assert.Equal(isMember ? AccessRefusal.None : AccessRefusal.NotMember, org.Refusal);
        if (!isMember)
        {
            Assert.Equal("Vous n'êtes pas membre de la boîte partagée pharmacie@pharmacien.mssante.fr.", org.French);
            Assert.Equal("You are not a member of the shared mailbox pharmacie@pharmacien.mssante.fr.", org.English);
        }
    }

    [Fact]
    public void An_applicative_mailbox_is_used_only_with_the_certificate_naming_it()
    {
        Assert.True(MailboxAccess.Decide(LaboApp, Labo, isMember: false).IsAllowed);

        var otherApp = MailboxAccess.Decide(AccessActor.Application(["lgo@pharmacien.mssante.fr"]), Labo, isMember: true);
        var professional = MailboxAccess.Decide(Martin, Labo, isMember: true);

        Assert.Equal(AccessRefusal.NotTheApplication, otherApp.Refusal);
        Assert.Equal(AccessRefusal.NotTheApplication, professional.Refusal);
        Assert.False(professional.IsAllowed);
    }

    [Fact]
    public void An_application_certificate_cannot_reach_personal_or_shared_mailboxes()
    {
        var app = AccessActor.Application(["dr.martin@medecin.mssante.fr"]);

        foreach (var mailbox in new[] { PerMartin, Pharmacy, Cabinet })
        {
            var decision = MailboxAccess.Decide(app, mailbox, isMember: true);
            Assert.False(decision.IsAllowed);
            Assert.Equal(AccessRefusal.ApplicationNotAllowed, decision.Refusal);
            Assert.Contains("applicative", decision.French, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_application_actor_is_named_by_its_first_certified_address_lower_cased()
    {
        Assert.Equal("labo.resultats@laboratoire.mssante.fr", LaboApp.Id);
        Assert.Equal(AccessActorKind.Application, LaboApp.Kind);
        Assert.Throws<ArgumentException>(() => AccessActor.Application([" "]));
        Assert.Throws<ArgumentException>(() => AccessActor.Professional(""));
    }
}
