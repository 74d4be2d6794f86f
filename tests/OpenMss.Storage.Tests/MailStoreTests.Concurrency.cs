using OpenMss.Testing;

namespace OpenMss.Storage.Tests;

public abstract partial class MailStoreTests
{
    [Fact]
    public async Task Each_write_is_committed_when_its_task_completes()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, "a@medecin.mssante.fr");
        await using var observer = await store.Database.OpenConnectionAsync();

        await store.DeliverAsync(TestMessages.Inbound(TestMessages.Create(), "a@medecin.mssante.fr"));
        Assert.Equal(1L, await ScalarAsync(observer, "SELECT COUNT(*) FROM messages"));

        await store.EnqueueAsync(new OutboundMessage("a@medecin.mssante.fr", [new OutboundRecipient("b@pharmacien.mssante.fr")], TestMessages.Create(), DateTimeOffset.UtcNow));
        Assert.Equal(1L, await ScalarAsync(observer, "SELECT COUNT(*) FROM queue_entries"));

        await store.AppendAuditAsync(new AuditEvent(DateTimeOffset.UtcNow, "imap:a@medecin.mssante.fr", "a@medecin.mssante.fr", "imap.login", "ok"));
        Assert.Equal(1L, await ScalarAsync(observer, "SELECT COUNT(*) FROM audit_events"));
    }

    [Fact]
    public async Task Two_nodes_sharing_a_database_never_lease_the_same_entry()
    {
        await using var store = await NewStoreAsync();
        var ids = new List<long>();
        for (var i = 0; i < 40; i++)
        {
            ids.AddRange(await store.EnqueueAsync(new OutboundMessage("a@medecin.mssante.fr",
                [new OutboundRecipient($"x@d{i}.mssante.fr")], TestMessages.Create(bodyBytes: 256), DateTimeOffset.UtcNow.AddMinutes(-1))));
        }

        await using var otherNode = await store.Database.OpenStoreAsync();

        async Task<List<long>> DrainAsync(IMailStore node, string owner)
        {
            var taken = new List<long>();
            while (true)
            {
                var batch = await node.LeaseDueAsync(DateTimeOffset.UtcNow, 3, TimeSpan.FromMinutes(10), owner);
                if (batch.Count == 0)
                {
                    return taken;
                }

                Assert.All(batch, e => Assert.Equal(owner, e.LeaseOwner));
                taken.AddRange(batch.Select(e => e.Id));
            }
        }

        var results = await Task.WhenAll(Task.Run(() => DrainAsync(store, "node-a")), Task.Run(() => DrainAsync(otherNode, "node-b")));

        Assert.Empty(results[0].Intersect(results[1]));
        Assert.Equal(ids.Order(), results[0].Concat(results[1]).Order());
    }

    [Fact]
    public async Task A_closed_store_refuses_reads_and_writes()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, "a@medecin.mssante.fr");
        await store.Store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.Store.FindMailboxAsync("a@medecin.mssante.fr"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.Store.AppendAuditAsync(new AuditEvent(DateTimeOffset.UtcNow, "admin", null, "x", "ok")));

        await store.ReopenAsync();
        Assert.NotNull(await store.FindMailboxAsync("a@medecin.mssante.fr"));
    }
}
