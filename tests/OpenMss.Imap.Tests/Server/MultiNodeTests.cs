using MailKit;
using OpenMss.Storage;
using OpenMss.Testing;

namespace OpenMss.Imap.Tests.Server;

/// <summary>Several operator nodes sharing one PostgreSQL database (scale-out, docs/architecture.md).</summary>
public sealed class MultiNodeTests
{
    [Fact]
    public async Task Idle_on_one_node_sees_mail_delivered_by_another_node_at_once()
    {
        // No polling at all on the IDLE node: only the other node's NOTIFY can wake it.
        await using var harness = await ImapHarness.StartAsync(
            configure: o =>
            {
                o.IdlePollInterval = TimeSpan.FromHours(1);
                o.AuthorizationRecheckInterval = TimeSpan.FromHours(1);
            },
            backend: StoreBackend.Postgres);
        await using var otherNode = await harness.TestStore.Database.OpenStoreAsync();
        using var idler = await harness.ConnectAsync();
        await idler.Inbox.OpenAsync(FolderAccess.ReadOnly);
        await Eventually.WaitUntilAsync(() => harness.Store.FolderChanges.CrossProcess, "the node to listen to the others");

        var arrived = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        idler.Inbox.CountChanged += (_, _) => arrived.TrySetResult(idler.Inbox.Count);
        using var done = new CancellationTokenSource();
        var idle = idler.IdleAsync(done.Token);

        // Whether it lands before or after the server enters IDLE, only the NOTIFY can tell this
        // node within the test (its poll is an hour away).
        await otherNode.DeliverAsync(new InboundMessage("labo@medecin.mssante.fr", [ImapHarness.Address], Messages.Create("Résultats", "z"), DateTimeOffset.UtcNow));

        Assert.Equal(1, await arrived.Task.WaitAsync(Eventually.DefaultDeadline));
        await done.CancelAsync();
        await idle;
    }
}
