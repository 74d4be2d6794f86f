using OpenMss.Storage;

namespace OpenMss.Queue.Delivery;

/// <summary>
/// Carries one queue entry to its destination: what <see cref="DeliveryWorker"/> needs of the
/// network. <see cref="SmtpDeliveryTransport"/> relays over SMTP with mutual TLS (RFC 5321,
/// RFC 3207); tests supply their own to drive the queue's retries and notifications without a
/// socket.
/// </summary>
public interface IDeliveryTransport
{
    /// <summary>
    /// Makes one delivery attempt of <paramref name="entry"/> for <paramref name="recipients"/>
    /// (its pending recipients), <paramref name="raw"/> being the message. Network and protocol
    /// failures are results (deferred or failed recipients), not exceptions; only cancellation
    /// propagates.
    /// </summary>
    Task<DeliveryAttemptResult> DeliverAsync(QueueEntry entry, IReadOnlyList<QueueRecipient> recipients, byte[] raw, CancellationToken cancellationToken = default);
}
