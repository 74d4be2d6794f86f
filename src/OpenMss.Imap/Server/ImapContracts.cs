using System.Net;

namespace OpenMss.Imap.Server;

/// <summary>Where a client connects from, for authentication decisions (rate limiting) and the audit trail.</summary>
public sealed record ImapClientInfo(IPEndPoint? RemoteEndPoint, bool IsTls)
{
    public string? Address => RemoteEndPoint?.Address.ToString();
}

/// <summary>
/// Who is logged in and which mailbox the session opens: the professional's own (PER) mailbox, or
/// an ORG mailbox reached with a SASL authorization identity (RFC 4616 authzid).
/// </summary>
/// <param name="Actor">The authenticated identity recorded in the audit trail (idNat_PS or application id).</param>
/// <param name="MailboxAddress">The mailbox this session works on.</param>
public sealed record ImapPrincipal(string Actor, string MailboxAddress);

/// <summary>The outcome of an authentication attempt.</summary>
/// <param name="TemporaryFailure">True when the attempt was refused for a while (rate limit): the reply says so (<c>[UNAVAILABLE]</c>).</param>
public sealed record ImapAuthenticationResult(ImapPrincipal? Principal, string? FailureReason = null, bool TemporaryFailure = false)
{
    public bool Succeeded => Principal is not null;

    public static ImapAuthenticationResult Success(ImapPrincipal principal) => new(principal);

    public static ImapAuthenticationResult Failure(string reason, bool temporary = false) => new(null, reason, temporary);
}

/// <summary>
/// Checks credentials for the IMAP server. The host implements it over its identity provider,
/// ORG mailbox membership and failed-login rate limiting; the server never sees how.
/// </summary>
public interface IImapAuthenticator
{
    /// <summary>LOGIN and AUTHENTICATE PLAIN (RFC 4616). Only called over TLS and when passwords are allowed.</summary>
    ValueTask<ImapAuthenticationResult> AuthenticatePasswordAsync(string user, string password, string? authorizationId, ImapClientInfo client, CancellationToken cancellationToken = default);

    /// <summary>AUTHENTICATE OAUTHBEARER (RFC 7628) and XOAUTH2: an access token from the identity provider.</summary>
    ValueTask<ImapAuthenticationResult> AuthenticateTokenAsync(string token, string? user, string? authorizationId, ImapClientInfo client, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether <paramref name="principal"/> may still use its mailbox (ORG membership can be
    /// withdrawn at any time); called before every command that opens the mailbox (SELECT,
    /// EXAMINE, STATUS, APPEND). A refusal closes the session.
    /// </summary>
    ValueTask<bool> IsStillAuthorizedAsync(ImapPrincipal principal, CancellationToken cancellationToken = default);
}

/// <summary>One event for the audit trail: never content, subjects or credentials.</summary>
/// <param name="Action">login, open, read, store, copy, move, expunge, append, create, delete, rename.</param>
/// <param name="Result">ok, failed, refused.</param>
/// <param name="Detail">Folder id and UIDs concerned, no names or subjects.</param>
public sealed record ImapAuditEvent(DateTimeOffset At, string Actor, string? Mailbox, string Action, string Result, string? ClientAddress, string? Detail);

/// <summary>Receives the IMAP server's audit events; the host writes them to the audit trail (<c>IAuditStore.AppendAuditAsync</c>).</summary>
public interface IImapAuditSink
{
    ValueTask RecordAsync(ImapAuditEvent auditEvent, CancellationToken cancellationToken = default);
}
