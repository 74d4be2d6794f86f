using System.Runtime.CompilerServices;
using MimeKit;
using OpenMss.Smtp.Protocol;
using OpenMss.Storage;

namespace OpenMss.Smtp.Acceptance;

/// <summary>
/// Whether a message is taken, and for which recipients: recipient stages (<see cref="IRecipientPolicy"/>)
/// asked at <c>RCPT</c> and message stages (<see cref="IMessagePolicy"/>) asked at the end of
/// <c>DATA</c>, each in order, the first refusal winning. The relay, the submission service and
/// the local submission (<c>MessageSubmitter</c>) each call one; the answer is an SMTP reply from
/// <see cref="SmtpReplies"/> (RFC 5321 §4.2, enhanced status codes of RFC 3463).
/// </summary>
/// <remarks>
/// Built once per service and shared by every session. A new acceptance rule is a new stage
/// added where the host composes the pipeline (docs/architecture.md, "Acceptance seam").
/// With no message stage, the end of DATA costs nothing: the header is not even parsed.
/// </remarks>
public sealed class AcceptancePipeline
{
    private readonly IRecipientPolicy[] _recipientStages;
    private readonly IMessagePolicy[] _messageStages;

    public AcceptancePipeline(IEnumerable<IRecipientPolicy> recipientStages, IEnumerable<IMessagePolicy>? messageStages = null)
    {
        ArgumentNullException.ThrowIfNull(recipientStages);
        _recipientStages = [.. recipientStages];
        _messageStages = messageStages is null ? [] : [.. messageStages];
    }

    /// <summary>
    /// The usual pipeline: only <see cref="LocalRecipientPolicy"/> (this operator's recipients must
    /// exist; others refused when <paramref name="refusesOtherDomains"/>, for the relay).
    /// </summary>
    public static AcceptancePipeline ForLocalDomains(IMailboxStore store, IEnumerable<string> localDomains, bool refusesOtherDomains) =>
        new([new LocalRecipientPolicy(store, new LocalDomainSet(localDomains), refusesOtherDomains)]);

    /// <summary>The recipient stages, in order.</summary>
    public IReadOnlyList<IRecipientPolicy> RecipientStages => _recipientStages;

    /// <summary>The message stages, in order.</summary>
    public IReadOnlyList<IMessagePolicy> MessageStages => _messageStages;

    /// <summary>
    /// Asks every recipient stage about <paramref name="recipient"/>. The first refusal is returned;
    /// when none refuses, the recipient is added to <see cref="AcceptanceEnvelope.Recipients"/> and
    /// the answer is <see cref="SmtpReplies.RecipientOk"/>. Allocation-free when the stages complete
    /// synchronously.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<SmtpReply> CheckRecipientAsync(AcceptanceEnvelope envelope, AcceptanceRecipient recipient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(recipient);
        foreach (var stage in _recipientStages)
        {
            if (await stage.CheckRecipientAsync(envelope, recipient, cancellationToken).ConfigureAwait(false) is { } refusal)
            {
                return refusal;
            }
        }

        envelope.Add(recipient);
        return SmtpReplies.RecipientOk;
    }

    /// <summary>
    /// Asks every message stage about each recipient of <paramref name="envelope"/>, given the
    /// header of <paramref name="message"/>; <see cref="MessageVerdict.Accepted"/> at once when there
    /// is no message stage.
    /// </summary>
    public ValueTask<MessageVerdict> CheckMessageAsync(AcceptanceEnvelope envelope, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return _messageStages.Length == 0 || envelope.Recipients.Count == 0
            ? ValueTask.FromResult(MessageVerdict.Accepted)
            : CheckMessageStagesAsync(envelope, message, cancellationToken);
    }

    private async ValueTask<MessageVerdict> CheckMessageStagesAsync(AcceptanceEnvelope envelope, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        // An unparsable header is judged as an empty one: the stages then find none of the fields they look for.
        var headers = MessageHeaders.Load(message) ?? new HeaderList();
        var refusals = new SmtpReply?[envelope.Recipients.Count];
        for (var i = 0; i < refusals.Length; i++)
        {
            foreach (var stage in _messageStages)
            {
                if (await stage.CheckMessageAsync(envelope, envelope.Recipients[i], headers, cancellationToken).ConfigureAwait(false) is { } refusal)
                {
                    refusals[i] = refusal;
                    break;
                }
            }
        }

        return new MessageVerdict(refusals);
    }
}
