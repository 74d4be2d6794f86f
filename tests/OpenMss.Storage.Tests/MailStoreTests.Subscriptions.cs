using OpenMss.Core;
using OpenMss.Testing;

namespace OpenMss.Storage.Tests;

public abstract partial class MailStoreTests
{
    [Fact]
    public async Task Folders_are_subscribed_until_unsubscribed_and_a_subscription_survives_its_folder()
    {
        await using var store = await NewStoreAsync();
        var mailbox = await store.CreateMailboxAsync(new NewMailbox("abonnements@medecin.mssante.fr", MailboxKind.Personal));
        Assert.Equal(["Archive", "Drafts", "INBOX", "Sent", "Trash"], await store.ListSubscriptionsAsync(mailbox.Id));

        await store.SetSubscriptionAsync(mailbox.Id, "Trash", subscribed: false);
        await store.CreateFolderAsync(mailbox.Id, "Ordonnances");
        Assert.Equal(["Archive", "Drafts", "INBOX", "Ordonnances", "Sent"], await store.ListSubscriptionsAsync(mailbox.Id));

        await store.SetSubscriptionAsync(mailbox.Id, "Ordonnances", subscribed: true);
        await store.DeleteFolderAsync(mailbox.Id, "Ordonnances");
        Assert.Contains("Ordonnances", await store.ListSubscriptionsAsync(mailbox.Id));

        await store.SetSubscriptionAsync(mailbox.Id, "Trash", subscribed: true);
        Assert.Contains("Trash", await store.ListSubscriptionsAsync(mailbox.Id));
    }

    [Fact]
    public async Task A_version_3_database_is_upgraded_with_every_folder_subscribed()
    {
        await using var database = await TestDatabase.CreateAsync(Backend);
        await using (var v3 = MailStoreFactory.Create(database.Options))
        {
            await v3.MigrateAsync(targetVersion: 3, CancellationToken.None);
            await v3.CreateMailboxAsync(new NewMailbox("ancien@medecin.mssante.fr", MailboxKind.Personal));
        }

        await using var store = await database.OpenStoreAsync();
        var mailbox = await store.FindMailboxAsync("ancien@medecin.mssante.fr");
        Assert.Equal(["Archive", "Drafts", "INBOX", "Sent", "Trash"], await store.ListSubscriptionsAsync(mailbox!.Id));
    }

    [Fact]
    public async Task Mailboxes_are_found_by_their_owner()
    {
        await using var store = await NewStoreAsync();
        await store.CreateMailboxAsync(new NewMailbox("anne.dupont@medecin.mssante.fr", MailboxKind.Personal, "Anne Dupont", "810000000001"));
        await store.CreateMailboxAsync(new NewMailbox("cabinet@medecin.mssante.fr", MailboxKind.Practice, "Cabinet"));
        await store.CreateMailboxAsync(new NewMailbox("autre@medecin.mssante.fr", MailboxKind.Personal, "Autre", "810000000002"));

        var found = await store.FindMailboxesByOwnerAsync("810000000001");

        Assert.Equal(["anne.dupont@medecin.mssante.fr"], found.Select(m => m.Address));
        Assert.Empty(await store.FindMailboxesByOwnerAsync("899999999999"));
    }
}
