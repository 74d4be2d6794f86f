using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using OpenMss.Queue.Delivery;
using OpenMss.Queue.Notifications;
using OpenMss.Smtp.Acceptance;
using OpenMss.Smtp.Protocol;
using OpenMss.Storage;
using SmtpReply = OpenMss.Smtp.Protocol.SmtpReply;

namespace OpenMss.Queue.Submission;

/// <summary>
/// The single entry point for outgoing mail of an operator (issue 2, point 6): recipients in the
/// operator's own domains are delivered straight to their mailboxes, the others are queued for
/// delivery to their operators (one queue entry per destination domain) and the delivery worker
/// is woken. The CLI (<c>openmss send</c>), SMTP submission and the queue's own delivery status
/// notifications all go through it.
/// </summary>
/// <remarks>
/// Which recipients are taken is decided by an <see cref="AcceptancePipeline"/>, the same seam as
/// the SMTP relay and submission: by default <see cref="LocalRecipientPolicy"/> (a local recipient
/// must be an existing mailbox, others are queued). A message stage refusing some recipients is
/// honoured per recipient, as LMTP does (RFC 2033 §4.2): the others still get the message.
/// Both paths are durable when the task completes (the store commits before returning). A local
/// recipient with <c>NOTIFY=SUCCESS</c> gets a "delivered" report (RFC 3461 §6.2.2) unless the
/// sender is null (<see cref="NotifyDeliveredAsync"/>).
/// </remarks>
public sealed partial class MessageSubmitter
{
    private readonly IMessageStore messages;
    private readonly IQueueStore queue;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Action? wake;
    private readonly LocalDomainSet localDomains;
    private readonly AcceptancePipeline acceptance;
    private readonly DeliveryStatusNotification notifications;

    /// <param name="mailboxes">The local mailboxes (the default acceptance stage looks recipients up there).</param>
    /// <param name="messages">Where local recipients' copies are delivered.</param>
    /// <param name="queue">Where copies for other operators are queued.</param>
    /// <param name="localDomains">The operator's domains; the first one signs notifications (<c>MAILER-DAEMON@…</c>).</param>
    /// <param name="wake">Called after something was queued: <see cref="DeliveryWorker.Wake"/> of the running worker, or null
    /// when none runs in this process (the worker of the serving process polls the store).</param>
    /// <param name="hostName">This MTA's name for <c>Reporting-MTA</c>; the first local domain by default.</param>
    /// <param name="acceptance">Which recipients are taken; null for <see cref="LocalRecipientPolicy"/> over <paramref name="localDomains"/>, other domains queued.</param>
    public MessageSubmitter(
        IMailboxStore mailboxes,
        IMessageStore messages,
        IQueueStore queue,
        IEnumerable<string> localDomains,
        Action? wake = null,
        string? hostName = null,
        TimeProvider? timeProvider = null,
        ILogger<MessageSubmitter>? logger = null,
        AcceptancePipeline? acceptance = null)
    {
        ArgumentNullException.ThrowIfNull(mailboxes);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(localDomains);
        var domains = localDomains.Select(d => d.Trim().TrimEnd('.')).Where(d => d.Length > 0).ToList();
        if (domains.Count == 0)
        {
            throw new ArgumentException("At least one local domain is needed.", nameof(localDomains));
        }

        this.messages = messages;
        this.queue = queue;
        time = timeProvider ?? TimeProvider.System;
        this.logger = logger ?? NullLogger<MessageSubmitter>.Instance;
        this.wake = wake;
        this.localDomains = new LocalDomainSet(domains);
        this.acceptance = acceptance ?? new AcceptancePipeline([new LocalRecipientPolicy(mailboxes, this.localDomains, refusesOtherDomains: false)]);
        notifications = new DeliveryStatusNotification(string.IsNullOrWhiteSpace(hostName) ? domains[0] : hostName, domains[0]);
    }

    /// <summary>Whether <paramref name="address"/> belongs to one of this operator's domains.</summary>
    public bool IsLocal(string address) => DomainOf(address) is { } domain && localDomains.Contains(domain);

    /// <summary>
    /// Delivers or queues a message. Unknown local mailboxes and malformed addresses are reported
    /// per recipient in the result, not thrown; the others are stored durably before the task
    /// completes.
    /// </summary>
    /// <param name="mailFrom">The reverse-path; empty for the null sender (notifications).</param>
    /// <param name="raw">The message as RFC 5322 bytes, stored and relayed unchanged.</param>
    /// <param name="envelopeId">RFC 3461 <c>ENVID</c>.</param>
    /// <param name="returnFull">RFC 3461 <c>RET=FULL</c> (else headers only).</param>
    /// <param name="senderKind">Who submits it, as the delivery events of the local copies say:
    /// <see cref="DeliverySenderKind.Submission"/> for an authenticated user, <see cref="DeliverySenderKind.Local"/> for the operator itself.</param>
    public async Task<SubmissionResult> SubmitAsync(
        string mailFrom,
        IReadOnlyList<OutboundRecipient> recipients,
        ReadOnlyMemory<byte> raw,
        string? envelopeId = null,
        bool returnFull = false,
        DeliverySenderKind senderKind = DeliverySenderKind.Local,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailFrom);
        ArgumentNullException.ThrowIfNull(recipients);
        if (recipients.Count == 0)
        {
            throw new ArgumentException("A message needs at least one recipient.", nameof(recipients));
        }

        if (raw.IsEmpty)
        {
            throw new ArgumentException("The message is empty.", nameof(raw));
        }

        var now = time.GetUtcNow();
        var dispositions = new RecipientDisposition[recipients.Count];
        var replies = new SmtpReply?[recipients.Count];
        var candidates = new AcceptanceRecipient?[recipients.Count];
        var envelope = new AcceptanceEnvelope(mailFrom);
        for (var i = 0; i < recipients.Count; i++)
        {
            if (DomainOf(recipients[i].Address) is null)
            {
                dispositions[i] = RecipientDisposition.InvalidAddress;
                continue;
            }

            var candidate = new AcceptanceRecipient(recipients[i].Address);
            var reply = await acceptance.CheckRecipientAsync(envelope, candidate, cancellationToken).ConfigureAwait(false);
            if (reply.IsPositive)
            {
                candidates[i] = candidate;
            }
            else
            {
                Refuse(i, reply);
            }
        }

        var verdict = await acceptance.CheckMessageAsync(envelope, raw, cancellationToken).ConfigureAwait(false);
        var local = new List<(int Index, OutboundRecipient Recipient, string Mailbox)>();
        var remote = new List<OutboundRecipient>();
        var seenRemote = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < recipients.Count; i++)
        {
            if (candidates[i] is not { } candidate)
            {
                continue;
            }

            if (verdict.RefusalFor(IndexIn(envelope, candidate.Address)) is { } refusal)
            {
                Refuse(i, refusal);
            }
            else if (candidate.Mailbox is { } mailbox)
            {
                dispositions[i] = RecipientDisposition.DeliveredLocally;
                local.Add((i, recipients[i], mailbox.Address));
            }
            else
            {
                dispositions[i] = RecipientDisposition.Queued;
                if (seenRemote.Add(recipients[i].Address))
                {
                    remote.Add(recipients[i]);
                }
            }
        }

        IReadOnlyList<StoredMessageRef> stored = [];
        if (local.Count > 0)
        {
            var mailboxes = local.Select(l => l.Mailbox).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            stored = await messages.DeliverAsync(new InboundMessage(mailFrom, mailboxes, raw, now, SenderKind: senderKind), cancellationToken).ConfigureAwait(false);
        }

        IReadOnlyList<long> entries = [];
        if (remote.Count > 0)
        {
            entries = await queue.EnqueueAsync(new OutboundMessage(mailFrom, remote, raw, now, envelopeId, returnFull), cancellationToken).ConfigureAwait(false);
            wake?.Invoke();
        }

        var refused = dispositions.Count(d => d is not (RecipientDisposition.DeliveredLocally or RecipientDisposition.Queued));
        LogSubmitted(local.Count, remote.Count, entries.Count, refused);

        // RFC 3461 §6.2.2: the final delivery MTA reports success when asked. The null sender
        // never gets a report (that is how notification loops are prevented).
        if (local.Count > 0)
        {
            await NotifyDeliveredAsync(mailFrom, local.Select(l => l.Recipient).ToList(), raw, envelopeId, now, cancellationToken).ConfigureAwait(false);
        }

        var outcome = recipients.Select((r, i) => new RecipientSubmission(r.Address, dispositions[i], replies[i])).ToList();
        return new SubmissionResult(outcome, entries, stored);

        void Refuse(int index, SmtpReply reply)
        {
            dispositions[index] = reply == SmtpReplies.UnknownMailbox ? RecipientDisposition.UnknownMailbox : RecipientDisposition.Refused;
            replies[index] = reply;
        }
    }

    private static int IndexIn(AcceptanceEnvelope envelope, string address)
    {
        for (var i = 0; i < envelope.Recipients.Count; i++)
        {
            if (string.Equals(envelope.Recipients[i].Address, address, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// The final delivery's "delivered" report (RFC 3461 §6.2.2, RFC 3464 <c>Action: delivered</c>,
    /// <c>Status: 2.0.0</c>) for the recipients of <paramref name="delivered"/> that asked
    /// <c>NOTIFY=SUCCESS</c>, sent to <paramref name="mailFrom"/> through the queue (or into its
    /// INBOX when local), with the <c>ENVID</c> and each <c>ORCPT</c> carried over. Called once
    /// the message is stored in the recipients' mailboxes: by <see cref="SubmitAsync"/> for local
    /// recipients, and by the inbound relay (the host passes this method as the relay policy's
    /// delivery notifier). A success report never returns the content, only the original header
    /// (RFC 3461 §4.3: <c>RET=FULL</c> concerns failure reports; MSSanté content is health data).
    /// Nothing is sent for the null sender, nor when no recipient asked.
    /// </summary>
    /// <returns>The submission of the report, or null when none was needed.</returns>
    public async Task<SubmissionResult?> NotifyDeliveredAsync(
        string mailFrom,
        IReadOnlyList<OutboundRecipient> delivered,
        ReadOnlyMemory<byte> raw,
        string? envelopeId,
        DateTimeOffset arrivalDate,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivered);

        // The null sender never gets a report: that is how notification loops are prevented.
        var wanted = delivered.Where(r => Wants(r.Notify, DsnNotify.Success)).ToList();
        if (string.IsNullOrEmpty(mailFrom) || wanted.Count == 0)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var report = new DeliveryReport(
            mailFrom,
            wanted.Select(r => new DsnRecipientReport(r.Address, DsnAction.Delivered, "2.0.0", r.OriginalRecipient, LastAttemptDate: now)).ToList(),
            raw,
            ReturnFullMessage: false,
            arrivalDate,
            envelopeId);
        return await SendNotificationAsync(report, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Builds a delivery status notification and sends it to the original sender with the null
    /// reverse-path: into the sender's INBOX when local, through the queue otherwise.
    /// </summary>
    /// <returns>The submission result, or null when nothing was sent (null original sender).</returns>
    public async Task<SubmissionResult?> SendNotificationAsync(DeliveryReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (string.IsNullOrEmpty(report.OriginalSender))
        {
            return null;
        }

        MimeMessage notification = notifications.Create(report, time.GetUtcNow());
        var bytes = DeliveryStatusNotification.ToBytes(notification);
        var result = await SubmitAsync(string.Empty, [new OutboundRecipient(report.OriginalSender, DsnNotify.Never)], bytes, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!result.AllAccepted)
        {
            LogNotificationUndeliverable(result.Recipients[0].Disposition);
        }

        return result;
    }

    /// <summary>Whether a recipient's RFC 3461 NOTIFY asks for <paramref name="kind"/> (default: failure and delay).</summary>
    public static bool Wants(DsnNotify notify, DsnNotify kind)
    {
        if (notify == DsnNotify.Default)
        {
            return kind is DsnNotify.Failure or DsnNotify.Delay;
        }

        return !notify.HasFlag(DsnNotify.Never) && notify.HasFlag(kind);
    }

    private static string? DomainOf(string address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return null;
        }

        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
        {
            return null;
        }

        return address[(at + 1)..].Trim().TrimEnd('.');
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Message submitted: {Local} local recipient(s), {Remote} remote recipient(s) in {Entries} queue entr(y/ies), {Refused} refused")]
    private partial void LogSubmitted(int local, int remote, int entries, int refused);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A delivery status notification could not be delivered: {Disposition}")]
    private partial void LogNotificationUndeliverable(RecipientDisposition disposition);
}
