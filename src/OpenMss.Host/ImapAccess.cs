using Microsoft.Extensions.Logging;
using OpenMss.Core;
using OpenMss.Core.Access;
using OpenMss.Imap.Server;
using OpenMss.Sasl.Throttling;
using OpenMss.Smtp.Inbound.Submission;
using OpenMss.Storage;

namespace OpenMss.Host;

/// <summary>
/// Who may open which mailbox over IMAP: a professional authenticated by the
/// identity provider (token, or password where allowed) opens their own PER mailbox, or an ORG
/// mailbox named as the SASL authorization identity when they are one of its members — checked
/// at login and again whenever the session asks. Failed logins are rate-limited per account and
/// per client address; every login and mailbox action goes to the audit trail.
/// </summary>
public sealed class ImapAccess(IMailboxStore mailboxes, IAuditStore audit, ProfessionalAuthenticator credentials, AuthThrottle throttle, TimeProvider time, ILogger<ImapAccess> logger)
    : IImapAuthenticator
{
    public async ValueTask<ImapAuthenticationResult> AuthenticatePasswordAsync(string user, string password, string? authorizationId, ImapClientInfo client, CancellationToken cancellationToken = default)
    {
        if (throttle.RetryAfter(user, client.Address ?? "") is { } wait)
        {
            await AuditAsync(user, authorizationId, "auth", "rate_limited", client, cancellationToken);
            return ImapAuthenticationResult.Failure($"Too many failed attempts, try again in {Math.Ceiling(wait.TotalMinutes)} minute(s)", temporary: true);
        }

        var check = await credentials.CheckPasswordAsync(user, password, cancellationToken);
        return await AuthorizeAsync(check, user, authorizationId, client, cancellationToken);
    }

    public async ValueTask<ImapAuthenticationResult> AuthenticateTokenAsync(string token, string? user, string? authorizationId, ImapClientInfo client, CancellationToken cancellationToken = default)
    {
        if (throttle.RetryAfter(user, client.Address ?? "") is { } wait)
        {
            await AuditAsync(user ?? "token", authorizationId, "auth", "rate_limited", client, cancellationToken);
            return ImapAuthenticationResult.Failure($"Too many failed attempts, try again in {Math.Ceiling(wait.TotalMinutes)} minute(s)", temporary: true);
        }

        var check = await credentials.CheckTokenAsync(token, user, cancellationToken);
        return await AuthorizeAsync(check, user, authorizationId, client, cancellationToken);
    }

    public async ValueTask<bool> IsStillAuthorizedAsync(ImapPrincipal principal, CancellationToken cancellationToken = default) =>
        (await DecideAsync(principal.Actor, principal.MailboxAddress, cancellationToken)).IsAllowed;

    private async Task<ImapAuthenticationResult> AuthorizeAsync(CredentialCheck check, string? user, string? authorizationId, ImapClientInfo client, CancellationToken cancellationToken)
    {
        if (check.Outcome == CredentialOutcome.Unavailable)
        {
            // Not a failure of the client's (no throttling), but still an access attempt to record.
            await AuditAsync(user ?? "unknown", authorizationId, "auth", "error", client, cancellationToken);
            return ImapAuthenticationResult.Failure("Authentication service unavailable, try again later", temporary: true);
        }

        if (check.Outcome != CredentialOutcome.Valid)
        {
            throttle.RecordFailure(user, client.Address ?? "");
            await AuditAsync(user ?? "unknown", authorizationId, "auth", "failed", client, cancellationToken);
            return ImapAuthenticationResult.Failure("Invalid credentials");
        }

        var mailbox = string.IsNullOrWhiteSpace(authorizationId) ? check.PersonalAddress : authorizationId.Trim().ToLowerInvariant();
        if (mailbox is null)
        {
            await AuditAsync(check.IdNatPs!, null, "auth", "denied", client, cancellationToken);
            return ImapAuthenticationResult.Failure("No mailbox on this operator for this professional");
        }

        var decision = await DecideAsync(check.IdNatPs!, mailbox, cancellationToken);
        if (!decision.IsAllowed)
        {
            await AuditAsync(check.IdNatPs!, mailbox, "auth", "denied", client, cancellationToken);
            logger.LogInformation("IMAP login refused: {Refusal}", decision.Refusal);
            return ImapAuthenticationResult.Failure(decision.English);
        }

        throttle.RecordSuccess(user);
        await AuditAsync(check.IdNatPs!, mailbox, "auth", "ok", client, cancellationToken);
        return ImapAuthenticationResult.Success(new ImapPrincipal(check.IdNatPs!, mailbox));
    }

    private async Task<AccessDecision> DecideAsync(string idNatPs, string address, CancellationToken cancellationToken)
    {
        var mailbox = await mailboxes.FindMailboxAsync(address, cancellationToken);
        if (mailbox is null)
        {
            return new AccessDecision(false, AccessRefusal.NotOwner, "Boîte aux lettres inconnue.", "Unknown mailbox");
        }

        var isMember = mailbox.Kind is MailboxKind.Organisational or MailboxKind.Practice
            && await mailboxes.IsMemberAsync(mailbox.Address, idNatPs, cancellationToken);
        return MailboxAccess.Decide(AccessActor.Professional(idNatPs), new MailboxAccessTarget(mailbox.Address, mailbox.Kind, mailbox.OwnerId), isMember);
    }

    private async Task AuditAsync(string actor, string? mailbox, string action, string result, ImapClientInfo client, CancellationToken cancellationToken) =>
        await audit.AppendAuditAsync(new AuditEvent(time.GetUtcNow(), actor, mailbox, action, result, client.Address, "imap"), cancellationToken);
}
