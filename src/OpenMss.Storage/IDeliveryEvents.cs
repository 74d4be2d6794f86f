using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OpenMss.Storage;

/// <summary>
/// The live post-delivery events of this process: one <see cref="DeliveryEvent"/> per delivered
/// copy, raised once the delivery is durably committed, whoever delivered it (the relay, SMTP
/// submission, local submission). For subscribers that may miss an event and resynchronise (IMAP
/// IDLE, the workspace's pages); a subscriber that must not miss one reads the durable outbox
/// (<see cref="IDeliveryOutbox"/>). See "Delivery events and the outbox" in docs/architecture.md.
/// </summary>
public interface IDeliveryEvents
{
    /// <summary>
    /// This process's deliveries, after commit. Deliveries made by other nodes sharing a PostgreSQL
    /// database are not carried (a notification only wakes, it carries no data): there
    /// <see cref="IFolderStore.FolderChanges"/> signals the folder and a subscriber re-reads it.
    /// </summary>
    DeliveryEventNotifier Deliveries { get; }
}

/// <summary>Who put a delivered message into the mailbox.</summary>
public enum DeliverySenderKind
{
    /// <summary>Delivered locally by this operator: its CLI, its own notifications (delivery status reports).</summary>
    Local = 0,

    /// <summary>Relayed by another MSSanté operator over mutual TLS.</summary>
    Relay = 1,

    /// <summary>Submitted by an authenticated user of this operator (SMTP submission, RFC 6409).</summary>
    Submission = 2,

    /// <summary>
    /// Placed in the INBOX with IMAP APPEND (RFC 3501 §6.3.11) by a client of the mailbox, e.g. a
    /// migration tool. An APPEND to any other folder (the Sent copy, drafts) is the user filing
    /// their own mail, not a delivery to a recipient, and raises no event.
    /// </summary>
    Append = 3,
}

/// <summary>
/// One message delivered into one mailbox, raised after the durable commit. Identifiers only: never
/// the subject, the content or a header beyond the thread identifiers.
/// </summary>
/// <param name="MailboxId">The recipient mailbox.</param>
/// <param name="MailboxAddress">Its address, lower-case.</param>
/// <param name="FolderId">The folder the copy is in (the INBOX).</param>
/// <param name="Uid">The copy's UID in that folder (RFC 3501 §2.3.1.1).</param>
/// <param name="SenderKind">Who delivered it.</param>
/// <param name="SenderAddress">The SMTP reverse-path (for a submission: the sender's mailbox); null for the null sender or an APPEND.</param>
/// <param name="MessageId">The <c>Message-ID</c> header as written (RFC 5322 §3.6.4), or null.</param>
/// <param name="InReplyTo">The <c>In-Reply-To</c> header as written, or null.</param>
/// <param name="References">The <c>References</c> header as written, or null.</param>
/// <param name="DeliveredAt">The message's internal date (when it was received).</param>
public sealed record DeliveryEvent(
    long MailboxId,
    string MailboxAddress,
    long FolderId,
    long Uid,
    DeliverySenderKind SenderKind,
    string? SenderAddress,
    string? MessageId,
    string? InReplyTo,
    string? References,
    DateTimeOffset DeliveredAt);

/// <summary>
/// Fan-out of <see cref="DeliveryEvent"/>s to this process's subscribers, on the delivering thread
/// once the delivery is committed. A subscriber that throws is logged and skipped: the delivery is
/// already durable and its caller must still learn that it succeeded.
/// </summary>
public sealed partial class DeliveryEventNotifier
{
    private readonly ConcurrentDictionary<Subscription, byte> subscribers = new();
    private readonly ILogger logger;

    internal DeliveryEventNotifier(ILogger logger)
    {
        this.logger = logger;
    }

    /// <summary>Whether anyone listens: the store builds no event otherwise.</summary>
    internal bool HasSubscribers => !subscribers.IsEmpty;

    /// <summary>Calls <paramref name="onDelivered"/> (on the delivering thread: keep it short) for every delivered copy, until disposed.</summary>
    public IDisposable Subscribe(Action<DeliveryEvent> onDelivered)
    {
        ArgumentNullException.ThrowIfNull(onDelivered);
        var subscription = new Subscription(this, onDelivered);
        subscribers.TryAdd(subscription, 0);
        return subscription;
    }

    internal void Publish(DeliveryEvent delivered)
    {
        foreach (var subscription in subscribers.Keys)
        {
            try
            {
                subscription.OnDelivered(delivered);
            }
            catch (Exception ex)
            {
                LogSubscriberFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(EventId = 70, Level = LogLevel.Warning, Message = "A delivery event subscriber failed; the delivery itself is committed")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception exception);

    private sealed class Subscription(DeliveryEventNotifier owner, Action<DeliveryEvent> onDelivered) : IDisposable
    {
        public Action<DeliveryEvent> OnDelivered { get; } = onDelivered;

        public void Dispose() => owner.subscribers.TryRemove(this, out _);
    }
}
