using OpenMss.Core;
using OpenMss.Core.Identifiers;
using OpenMss.PatientSpace.Registry;
using OpenMss.Smtp.Acceptance;
using OpenMss.Smtp.Protocol;
using OpenMss.Storage;

namespace OpenMss.PatientSpace.Acceptance;

/// <summary>
/// The recipient stage of the patient space, asked at <c>RCPT</c> (RFC 5321 §4.1.1.3) for the patient
/// domain (<c>&lt;INS&gt;@patient.mssante.fr</c>): the local part must be an INS matricule with its
/// right key, known to the registry, in a state that takes mail. Every refusal is the same
/// <see cref="SmtpReplies.PatientMailboxUnavailable"/> (<c>550 5.1.1</c>), so that a sender cannot tell
/// an opposed or closed account from an unknown one. For an activated or not-activated patient the
/// mailbox is found, or created on this first message (never up front), and handed to the stages
/// after this one in <see cref="AcceptanceRecipient.Mailbox"/>.
/// </summary>
/// <remarks>
/// Goes before <see cref="LocalRecipientPolicy"/>, which then takes the mailbox found here. Other
/// domains are left to the next stages. A not-activated patient's mailbox has no owner: no
/// professional login opens it, and the patient has no login until activation.
/// Never logs: the address is an INS.
/// </remarks>
public sealed class PatientRecipientPolicy : IRecipientPolicy
{
    private readonly IPatientRegistry _registry;
    private readonly IMailboxStore _mailboxes;
    private readonly LocalDomainSet _patientDomain;

    /// <param name="registry">The patient registry.</param>
    /// <param name="mailboxes">Where the patients' mailboxes are created.</param>
    /// <param name="patientDomain">The patient domain, <c>patient.mssante.fr</c> in the trust space.</param>
    public PatientRecipientPolicy(IPatientRegistry registry, IMailboxStore mailboxes, string patientDomain)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(mailboxes);
        ArgumentException.ThrowIfNullOrWhiteSpace(patientDomain);
        _registry = registry;
        _mailboxes = mailboxes;
        _patientDomain = new LocalDomainSet([patientDomain]);
        PatientDomain = _patientDomain.Domains.Single();
    }

    /// <summary>The patient domain (A-label, lower case).</summary>
    public string PatientDomain { get; }

    public async ValueTask<SmtpReply?> CheckRecipientAsync(AcceptanceEnvelope envelope, AcceptanceRecipient recipient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        var address = recipient.Address;
        var at = address.LastIndexOf('@');
        if (at < 0 || !_patientDomain.Contains(address.AsSpan(at + 1)))
        {
            return null;
        }

        if (!InsMatricule.TryParse(address[..at], out var ins, out _))
        {
            return SmtpReplies.PatientMailboxUnavailable;
        }

        var state = await _registry.FindStateAsync(ins, cancellationToken).ConfigureAwait(false);
        if (state is not { } known || !known.AcceptsMail())
        {
            return SmtpReplies.PatientMailboxUnavailable;
        }

        recipient.Mailbox = await FindOrCreateMailboxAsync(MailboxAddress(ins), cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>The mailbox address of a patient: the INS in lower case at the patient domain (<c>2a</c> for Corsica, like every stored address).</summary>
    public string MailboxAddress(InsMatricule ins) => MailboxAddressOf(ins, PatientDomain);

    /// <summary>The mailbox address of a patient at <paramref name="patientDomain"/> (lower case, as the mail store keeps addresses).</summary>
    public static string MailboxAddressOf(InsMatricule ins, string patientDomain)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(patientDomain);
        return ins.Value.ToLowerInvariant() + "@" + patientDomain.Trim().ToLowerInvariant();
    }

    private async Task<MailboxRecord> FindOrCreateMailboxAsync(string address, CancellationToken cancellationToken)
    {
        if (await _mailboxes.FindMailboxAsync(address, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        try
        {
            // No owner and no display name: the mailbox says nothing of the patient, and opens for no professional.
            return await _mailboxes.CreateMailboxAsync(new NewMailbox(address, MailboxKind.Personal), cancellationToken).ConfigureAwait(false);
        }
        catch (MailboxExistsException)
        {
            // Another transaction's first message for the same patient created it a moment ago.
            return await _mailboxes.FindMailboxAsync(address, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("A patient mailbox reported as existing cannot be found.");
        }
    }
}
