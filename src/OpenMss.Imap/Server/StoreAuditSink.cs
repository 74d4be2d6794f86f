using OpenMss.Storage;

namespace OpenMss.Imap.Server;

/// <summary>
/// Writes the IMAP server's audit events to the store's audit trail (<see cref="IAuditStore.AppendAuditAsync"/>),
/// with actions prefixed <c>imap.</c> (<c>imap.login</c>, <c>imap.read</c>, <c>imap.expunge</c>...).
/// </summary>
public sealed class StoreAuditSink(IAuditStore store) : IImapAuditSink
{
    public async ValueTask RecordAsync(ImapAuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        await store.AppendAuditAsync(
            new AuditEvent(auditEvent.At, auditEvent.Actor, auditEvent.Mailbox, "imap." + auditEvent.Action, auditEvent.Result, auditEvent.ClientAddress, auditEvent.Detail),
            cancellationToken).ConfigureAwait(false);
    }
}
