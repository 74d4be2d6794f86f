namespace OpenMss.Smtp.Inbound.Submission;

/// <summary>
/// Checks the credentials a mail client presents on the submission service (RFC 6409, RFC 4954): a password
/// (<c>PLAIN</c>, <c>LOGIN</c>) or an access token from the identity provider (<c>OAUTHBEARER</c>,
/// RFC 7628; <c>XOAUTH2</c>). The host implements it with the identity provider; application
/// certificates (<c>EXTERNAL</c>) are checked by the policy itself against the trust space.
/// </summary>
/// <remarks>Implementations never log the password or the token.</remarks>
public interface ISubmissionAuthenticator
{
    /// <summary>Whether <c>PLAIN</c>/<c>LOGIN</c> are offered (the demo allows them; production defaults to tokens only).</summary>
    bool AllowsPasswords { get; }

    /// <summary>Checks a user name (RPPS, idNat_PS or address, as the operator allows) and password.</summary>
    ValueTask<CredentialCheck> CheckPasswordAsync(string userName, string password, CancellationToken cancellationToken = default);

    /// <summary>Checks a bearer access token; <paramref name="userName"/> is the user the client claims (XOAUTH2), if any.</summary>
    ValueTask<CredentialCheck> CheckTokenAsync(string token, string? userName, CancellationToken cancellationToken = default);
}

/// <summary>How a credential check ended.</summary>
public enum CredentialOutcome
{
    /// <summary>The credentials are right: <see cref="CredentialCheck.IdNatPs"/> is set.</summary>
    Valid,

    /// <summary>Wrong password, unknown user, invalid or expired token: <c>535 5.7.8</c>, counted by the rate limiter.</summary>
    Invalid,

    /// <summary>The check could not be made (identity provider unreachable): <c>454 4.7.0</c>, not counted.</summary>
    Unavailable,
}

/// <summary>The result of <see cref="ISubmissionAuthenticator"/>: who the professional is.</summary>
/// <param name="IdNatPs">The professional's idNat_PS (the token's subject).</param>
/// <param name="DisplayName">The name shown in the <c>Sender:</c> header when sending for an <c>ORG</c> mailbox.</param>
/// <param name="PersonalAddress">The professional's own (<c>PER</c>) address, used in <c>Sender:</c> when known.</param>
public sealed record CredentialCheck(CredentialOutcome Outcome, string? IdNatPs = null, string? DisplayName = null, string? PersonalAddress = null)
{
    public static readonly CredentialCheck Invalid = new(CredentialOutcome.Invalid);

    public static readonly CredentialCheck Unavailable = new(CredentialOutcome.Unavailable);

    public static CredentialCheck Valid(string idNatPs, string? displayName = null, string? personalAddress = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idNatPs);
        return new(CredentialOutcome.Valid, idNatPs, displayName, personalAddress);
    }
}

/// <summary>
/// Hands an accepted message to delivery: local mailboxes directly, other operators through the
/// queue. The host passes <c>OpenMss.Queue.Submission.MessageSubmitter.SubmitAsync</c> (the SMTP
/// project does not know the queue). Returns once the message is durably stored or queued.
/// </summary>
public delegate Task SubmitMessage(
    string mailFrom,
    IReadOnlyList<OpenMss.Storage.OutboundRecipient> recipients,
    ReadOnlyMemory<byte> raw,
    string? envelopeId,
    bool returnFull,
    CancellationToken cancellationToken);
