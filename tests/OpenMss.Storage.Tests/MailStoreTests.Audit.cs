namespace OpenMss.Storage.Tests;

public abstract partial class MailStoreTests
{
    [Fact]
    public async Task The_audit_trail_is_queried_by_mailbox_actor_and_period_newest_first()
    {
        await using var store = await NewStoreAsync();
        var t = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        AuditEvent[] events =
        [
            new(t, "dr.martin@medecin.mssante.fr", "a@medecin.mssante.fr", "imap.select", "ok", "192.0.2.10"),
            new(t.AddMinutes(1), "dr.martin@medecin.mssante.fr", "b@medecin.mssante.fr", "imap.fetch", "ok", "192.0.2.10", "uid 1:4"),
            new(t.AddMinutes(2), "smtp:pharmacien.mssante.fr", "A@medecin.mssante.fr", "smtp.deliver", "ok", "198.51.100.7"),
            new(t.AddMinutes(3), "dr.durand@medecin.mssante.fr", "a@medecin.mssante.fr", "imap.login", "denied", "203.0.113.5", "wrong password"),
            new(t.AddMinutes(4), "admin", null, "mailbox.create", "ok"),
        ];
        foreach (var auditEvent in events)
        {
            await store.AppendAuditAsync(auditEvent);
        }

        var forMailbox = await store.QueryAuditAsync(new AuditQuery(Mailbox: "a@MEDECIN.mssante.fr"));
        var byActor = await store.QueryAuditAsync(new AuditQuery(Actor: "dr.martin@medecin.mssante.fr"));
        var period = await store.QueryAuditAsync(new AuditQuery(From: t.AddMinutes(1), To: t.AddMinutes(3)));
        var combined = await store.QueryAuditAsync(new AuditQuery(Mailbox: "a@medecin.mssante.fr", Actor: "dr.martin@medecin.mssante.fr", From: t, To: t.AddHours(1)));
        var latestTwo = await store.QueryAuditAsync(new AuditQuery(Limit: 2));

        Assert.Equal(["imap.login", "smtp.deliver", "imap.select"], forMailbox.Select(e => e.Action));
        Assert.Equal(["imap.fetch", "imap.select"], byActor.Select(e => e.Action));
        Assert.Equal(["smtp.deliver", "imap.fetch"], period.Select(e => e.Action));
        Assert.Equal(["imap.select"], combined.Select(e => e.Action));
        Assert.Equal(["mailbox.create", "imap.login"], latestTwo.Select(e => e.Action));
        var denied = forMailbox[0];
        Assert.Equal(events[3] with { Id = denied.Id }, denied);
        Assert.True(denied.Id > 0);
        Assert.Null(latestTwo[0].Mailbox);
        Assert.Equal("a@medecin.mssante.fr", forMailbox[1].Mailbox);
    }

    [Fact]
    public async Task Audit_events_older_than_the_retention_are_purged_and_newer_ones_kept()
    {
        await using var store = await NewStoreAsync();
        var now = new DateTimeOffset(2027, 6, 1, 0, 0, 0, TimeSpan.Zero);
        await store.AppendAuditAsync(new AuditEvent(now.AddDays(-400), "810001234565", "a@medecin.mssante.fr", "imap.read", "ok"));
        await store.AppendAuditAsync(new AuditEvent(now.AddDays(-366), "810001234565", "a@medecin.mssante.fr", "imap.read", "ok"));
        await store.AppendAuditAsync(new AuditEvent(now.AddDays(-10), "810001234565", "a@medecin.mssante.fr", "imap.read", "ok"));

        var purged = await store.PurgeAuditAsync(now.AddDays(-365));

        Assert.Equal(2, purged);
        var left = Assert.Single(await store.QueryAuditAsync(new AuditQuery()));
        Assert.Equal(now.AddDays(-10), left.At);
        Assert.Equal(0, await store.PurgeAuditAsync(now.AddDays(-365)));
    }
}
