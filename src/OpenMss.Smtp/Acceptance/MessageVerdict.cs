using OpenMss.Smtp.Protocol;

namespace OpenMss.Smtp.Acceptance;

/// <summary>
/// The answer of the message stages at the end of DATA: one per recipient of the envelope, as LMTP
/// gives (RFC 2033 §4.2), and the single reply SMTP can give (RFC 5321 §4.1.1.4).
/// </summary>
public sealed class MessageVerdict
{
    private readonly SmtpReply?[] _refusals;

    /// <summary>No stage objected for any recipient.</summary>
    public static readonly MessageVerdict Accepted = new([]);

    internal MessageVerdict(SmtpReply?[] refusals)
    {
        _refusals = refusals;
        TransactionReply = Combine(refusals);
    }

    /// <summary>The refusal for the recipient at <paramref name="index"/> of <see cref="AcceptanceEnvelope.Recipients"/>; null when accepted.</summary>
    public SmtpReply? RefusalFor(int index) => (uint)index < (uint)_refusals.Length ? _refusals[index] : null;

    /// <summary>
    /// The one reply for an SMTP transaction, null when every recipient is accepted (the message is
    /// then stored for all). Nothing is stored otherwise: when every recipient is refused, the first
    /// temporary refusal if any (the client retries the whole message), else the first refusal; when
    /// some are accepted and others refused, the first temporary refusal if any, else
    /// <see cref="SmtpReplies.OneRecipientPerTransaction"/> (<c>550 5.5.3</c>, RFC 3463 §3.6): SMTP
    /// cannot take a message for some recipients of a transaction and refuse it for others.
    /// </summary>
    public SmtpReply? TransactionReply { get; }

    private static SmtpReply? Combine(SmtpReply?[] refusals)
    {
        SmtpReply? first = null;
        SmtpReply? temporary = null;
        var accepted = 0;
        foreach (var refusal in refusals)
        {
            if (refusal is null)
            {
                accepted++;
                continue;
            }

            first ??= refusal;
            if (refusal.Code < 500)
            {
                temporary ??= refusal;
            }
        }

        if (first is null)
        {
            return null;
        }

        return temporary ?? (accepted == 0 ? first : SmtpReplies.OneRecipientPerTransaction);
    }
}
