using OpenMss.Storage;

namespace OpenMss.Queue.Delivery;

/// <summary>What one attempt achieved for one recipient.</summary>
public enum RecipientResult
{
    /// <summary>The remote operator accepted the message for this recipient (2xx after DATA).</summary>
    Delivered,

    /// <summary>Temporary failure (4xx, connection or TLS failure): try again later.</summary>
    Deferred,

    /// <summary>Permanent failure (5xx): no further attempt.</summary>
    Failed,
}

/// <summary>The result of one attempt for one recipient of a queue entry.</summary>
/// <param name="Status">RFC 3463 enhanced status code, from the remote reply when it had one.</param>
/// <param name="Diagnostic">The remote reply as <c>smtp; 550 5.1.1 …</c>, or a local reason as <c>x-openmss; …</c>.</param>
/// <param name="RemoteReplied">Whether <see cref="Diagnostic"/> is a reply of the remote server (not a local reason).</param>
public sealed record RecipientAttemptResult(
    QueueRecipient Recipient,
    RecipientResult Result,
    string Status,
    string? Diagnostic,
    bool RemoteReplied);

/// <summary>The result of one delivery attempt of a queue entry (one SMTP transaction at most).</summary>
/// <param name="RemoteMta">The host that answered, when a connection was established.</param>
/// <param name="Error">A short reason when the attempt failed as a whole (kept as the entry's last error).</param>
/// <param name="RemoteSupportsDsn">Whether the remote advertised DSN (RFC 3461): if not, a <c>NOTIFY=SUCCESS</c> request gets a "relayed" report from us.</param>
public sealed record DeliveryAttemptResult(
    IReadOnlyList<RecipientAttemptResult> Recipients,
    string? RemoteMta,
    string? Error,
    bool RemoteSupportsDsn);
