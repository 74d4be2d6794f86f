using OpenMss.Core;
using OpenMss.Testing;

namespace OpenMss.Storage.Tests;

public abstract partial class MailStoreTests
{
    private const string Pharmacy = "pharmacie.centrale@pharmacien.mssante.fr";
    private static readonly MembershipAudit Admin = new("admin", "192.0.2.1");

    [Fact]
    public async Task Members_are_added_listed_checked_and_removed_with_an_audit_event_each()
    {
        await using var store = await NewStoreAsync();
        await store.CreateMailboxAsync(new NewMailbox(Pharmacy, MailboxKind.Organisational, "Pharmacie centrale", "10B0123456"));

        var first = await store.AddMemberAsync("Pharmacie.Centrale@pharmacien.mssante.fr", new NewMember("810000000001", "Anne Dupont", MemberRole.Pharmacist), Admin);
        var second = await store.AddMemberAsync(Pharmacy, new NewMember(" 810000000002 ", "Paul Martin", MemberRole.Technician), Admin);
        var members = await store.ListMembersAsync(Pharmacy);

        Assert.True(first);
        Assert.True(second);
        Assert.Equal(["810000000001", "810000000002"], members.Select(m => m.MemberId));
        Assert.Equal([MemberRole.Pharmacist, MemberRole.Technician], members.Select(m => m.Role));
        Assert.Equal("Anne Dupont", members[0].DisplayName);
        Assert.All(members, m => Assert.Equal(Pharmacy, m.MailboxAddress));
        Assert.True(await store.IsMemberAsync("PHARMACIE.centrale@pharmacien.mssante.fr", "810000000002"));
        Assert.False(await store.IsMemberAsync(Pharmacy, "810000000003"));
        Assert.False(await store.IsMemberAsync("autre@pharmacien.mssante.fr", "810000000001"));

        Assert.True(await store.RemoveMemberAsync(Pharmacy, "810000000002", new MembershipAudit("810000000001", "198.51.100.4")));
        Assert.False(await store.RemoveMemberAsync(Pharmacy, "810000000002", Admin));

        Assert.False(await store.IsMemberAsync(Pharmacy, "810000000002"));
        Assert.Equal(["810000000001"], (await store.ListMembersAsync(Pharmacy)).Select(m => m.MemberId));
        var trail = await store.QueryAuditAsync(new AuditQuery(Mailbox: Pharmacy));
        Assert.Equal(
            [("member.remove", "810000000001", "810000000002", "198.51.100.4"), ("member.add", "admin", "810000000002", "192.0.2.1"), ("member.add", "admin", "810000000001", "192.0.2.1")],
            trail.Select(e => (e.Action, e.Actor, e.Detail!, e.ClientAddress!)));
    }

    [Fact]
    public async Task Adding_a_member_again_updates_it_and_is_reported_as_not_new()
    {
        await using var store = await NewStoreAsync();
        await store.CreateMailboxAsync(new NewMailbox(Pharmacy, MailboxKind.Organisational));
        await store.AddMemberAsync(Pharmacy, new NewMember("810000000001", "A. Dupont", MemberRole.Technician), Admin);

        var again = await store.AddMemberAsync(Pharmacy, new NewMember("810000000001", "Anne Dupont", MemberRole.Pharmacist), Admin);

        Assert.False(again);
        var member = Assert.Single(await store.ListMembersAsync(Pharmacy));
        Assert.Equal(("Anne Dupont", MemberRole.Pharmacist), (member.DisplayName, member.Role));
        Assert.Equal(["updated", "ok"], (await store.QueryAuditAsync(new AuditQuery(Mailbox: Pharmacy))).Select(e => e.Result));
    }

    [Fact]
    public async Task A_member_cannot_be_added_to_a_mailbox_that_does_not_exist_and_nothing_is_audited()
    {
        await using var store = await NewStoreAsync();

        var error = await Assert.ThrowsAsync<MailboxNotFoundException>(() =>
            store.AddMemberAsync("absente@pharmacien.mssante.fr", new NewMember("810000000001", null, MemberRole.Other), Admin));

        Assert.Equal("absente@pharmacien.mssante.fr", error.Address);
        Assert.Empty(await store.QueryAuditAsync(new AuditQuery()));
        Assert.Empty(await store.ListMembersAsync("absente@pharmacien.mssante.fr"));
    }

    [Fact]
    public async Task A_professional_sees_the_mailboxes_it_belongs_to_and_deleting_a_mailbox_ends_its_memberships()
    {
        await using var store = await NewStoreAsync();
        await store.CreateMailboxAsync(new NewMailbox(Pharmacy, MailboxKind.Organisational));
        await store.CreateMailboxAsync(new NewMailbox("cabinet@medecin.mssante.fr", MailboxKind.Practice));
        await store.CreateMailboxAsync(new NewMailbox("accueil@pharmacien.mssante.fr", MailboxKind.Organisational));
        await store.AddMemberAsync(Pharmacy, new NewMember("810000000001", null, MemberRole.Pharmacist), Admin);
        await store.AddMemberAsync("cabinet@medecin.mssante.fr", new NewMember("810000000001", null, MemberRole.Other), Admin);
        await store.AddMemberAsync("accueil@pharmacien.mssante.fr", new NewMember("810000000009", null, MemberRole.Other), Admin);

        var memberships = await store.ListMembershipsAsync("810000000001");
        Assert.Equal(["cabinet@medecin.mssante.fr", Pharmacy], memberships.Select(m => m.MailboxAddress));

        Assert.True(await store.DeleteMailboxAsync(Pharmacy));
        Assert.Equal(["cabinet@medecin.mssante.fr"], (await store.ListMembershipsAsync("810000000001")).Select(m => m.MailboxAddress));
        Assert.False(await store.IsMemberAsync(Pharmacy, "810000000001"));

        // A mailbox created again under the same address starts with no member.
        await store.CreateMailboxAsync(new NewMailbox(Pharmacy, MailboxKind.Organisational));
        Assert.Empty(await store.ListMembersAsync(Pharmacy));
    }

    [Fact]
    public async Task A_version_2_database_is_upgraded_to_hold_members()
    {
        await using var database = await TestDatabase.CreateAsync(Backend);
        await using (var v2 = MailStoreFactory.Create(database.Options))
        {
            await v2.MigrateAsync(targetVersion: 2, CancellationToken.None);
            await v2.CreateMailboxAsync(new NewMailbox(Pharmacy, MailboxKind.Organisational, "Pharmacie centrale"));
        }

        await using var store = await database.OpenStoreAsync();

        Assert.Empty(await store.ListMembersAsync(Pharmacy));
        Assert.True(await store.AddMemberAsync(Pharmacy, new NewMember("810000000001", "Anne Dupont", MemberRole.Pharmacist), Admin));
        Assert.True(await store.IsMemberAsync(Pharmacy, "810000000001"));
    }
}
