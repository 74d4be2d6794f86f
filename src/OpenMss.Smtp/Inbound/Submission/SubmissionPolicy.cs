using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Core;
using OpenMss.Core.Access;
using OpenMss.Sasl;
using OpenMss.Sasl.Throttling;
using OpenMss.Smtp.Acceptance;
using OpenMss.Smtp.Protocol;
using OpenMss.Storage;
using OpenMss.Trust;

namespace OpenMss.Smtp.Inbound.Submission;

/// <summary>Settings of <see cref="SubmissionPolicy"/>.</summary>
public sealed class SubmissionPolicyOptions
{
    /// <summary>Validates application certificates for <c>EXTERNAL</c> (APP mailboxes); null disables it.</summary>
    public TrustValidator? ApplicationCertificates { get; set; }

    /// <summary>The failed-authentication limiter; one per node, shared with IMAP if the host wishes.</summary>
    public AuthThrottle? Throttle { get; set; }

    /// <summary>
    /// The operator's own mail domains: a recipient there must be an existing mailbox (<c>550 5.1.1</c>
    /// at RCPT, so the client learns it at once instead of the message being dropped after DATA).
    /// Used to build the default <see cref="Acceptance"/> pipeline.
    /// </summary>
    public IReadOnlyCollection<string> LocalDomains { get; set; } = [];

    /// <summary>
    /// Which recipients are taken, at RCPT and at the end of DATA; the host passes the pipeline it
    /// also gives the local submission. Null: <see cref="LocalRecipientPolicy"/> over
    /// <see cref="LocalDomains"/>, other domains passed on for delivery (no check when there is no local domain).
    /// </summary>
    public AcceptancePipeline? Acceptance { get; set; }

    /// <summary>The identity provider's discovery document, named in OAUTHBEARER error challenges (RFC 7628 §3.2.2).</summary>
    public Uri? OpenIdConfiguration { get; set; }

    /// <summary>The scope a token needs to submit mail, named in OAUTHBEARER error challenges (RFC 7628 §3.2.2); null names none.</summary>
    public string? TokenScope { get; set; }
}

/// <summary>
/// The message submission service (RFC 6409, docs/protocols.md) over the shared SMTP session: AUTH
/// only over TLS (<c>PLAIN</c>/<c>LOGIN</c> where passwords are allowed, <c>OAUTHBEARER</c>,
/// <c>XOAUTH2</c>, <c>EXTERNAL</c> with an application certificate); MAIL only once
/// authenticated and only as a mailbox the identity may use (<see cref="MailboxAccess"/>), the
/// <c>From:</c> header likewise; recipients and the message as the <see cref="SubmissionPolicyOptions.Acceptance"/>
/// pipeline decides; <c>Sender:</c> set when sending for a shared mailbox; the message
/// handed to delivery, copied to the sender mailbox's Sent folder, and audited.
/// </summary>
public sealed class SubmissionPolicy : ISmtpPolicy
{
    internal const string AuthAction = "auth";
    internal const string SendAction = "send";

    private static readonly string UsernameChallenge = Convert.ToBase64String("Username:"u8);
    private static readonly string PasswordChallenge = Convert.ToBase64String("Password:"u8);

    private readonly IMailboxStore _mailboxes;
    private readonly IFolderStore _folders;
    private readonly IMessageStore _messages;
    private readonly IAuditStore _audit;
    private readonly ISubmissionAuthenticator _authenticator;
    private readonly SubmitMessage _submit;
    private readonly SubmissionPolicyOptions _options;
    private readonly AuthThrottle _throttle;
    private readonly AcceptancePipeline _acceptance;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <param name="mailboxes">Mailboxes and their members (who may send as which address).</param>
    /// <param name="folders">Where the sender's Sent folder is found.</param>
    /// <param name="messages">Where the Sent copy is appended.</param>
    /// <param name="audit">The audit trail (logins and sends).</param>
    /// <param name="authenticator">Password and token checks (the identity provider).</param>
    /// <param name="submit">Delivery: the host passes <c>MessageSubmitter.SubmitAsync</c>.</param>
    public SubmissionPolicy(
        IMailboxStore mailboxes,
        IFolderStore folders,
        IMessageStore messages,
        IAuditStore audit,
        ISubmissionAuthenticator authenticator,
        SubmitMessage submit,
        SubmissionPolicyOptions? options = null,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(mailboxes);
        ArgumentNullException.ThrowIfNull(folders);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(authenticator);
        ArgumentNullException.ThrowIfNull(submit);
        _mailboxes = mailboxes;
        _folders = folders;
        _messages = messages;
        _audit = audit;
        _authenticator = authenticator;
        _submit = submit;
        _options = options ?? new SubmissionPolicyOptions();
        _time = timeProvider ?? TimeProvider.System;
        _throttle = _options.Throttle ?? new AuthThrottle(new AuthThrottleOptions(), _time);
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SubmissionPolicy>();
        _acceptance = _options.Acceptance
            ?? (_options.LocalDomains.Count == 0 ? new AcceptancePipeline([]) : AcceptancePipeline.ForLocalDomains(mailboxes, _options.LocalDomains, refusesOtherDomains: false));
    }

    /// <summary>RFC 4954 §3: the mechanisms are advertised only inside TLS, so no client is tempted to send a secret in clear.</summary>
    public IReadOnlyList<string> GetExtensions(SmtpSessionContext session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!session.IsTls)
        {
            return [];
        }

        var mechanisms = new List<string> { "AUTH" };
        if (_authenticator.AllowsPasswords)
        {
            mechanisms.Add("PLAIN");
            mechanisms.Add("LOGIN");
        }

        mechanisms.Add("OAUTHBEARER");
        mechanisms.Add("XOAUTH2");
        if (_options.ApplicationCertificates is not null && session.ClientCertificate is not null)
        {
            mechanisms.Add("EXTERNAL");
        }

        return [string.Join(' ', mechanisms)];
    }

    // ---- AUTH ------------------------------------------------------------------------------

    public async ValueTask<SmtpReply> OnAuthenticateAsync(SmtpSessionContext session, string argument, ISaslChannel channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(argument);
        ArgumentNullException.ThrowIfNull(channel);
        if (!session.IsTls)
        {
            return SmtpReplies.StartTlsFirst;
        }

        var state = State(session);
        if (state.Principal is not null)
        {
            return SmtpReplies.AlreadyAuthenticated;
        }

        var parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            return SmtpReplies.AuthSyntax;
        }

        var mechanism = parts[0].ToUpperInvariant();
        var initial = parts.Length > 1 ? parts[1] : null;
        var client = ClientAddress(session);
        if (_throttle.RetryAfter(null, client) is { } addressLocked)
        {
            SubmissionLog.RateLimited(_logger, session.SessionId, addressLocked);
            await AuditAsync(session, "unknown", null, AuthAction, "rate_limited", mechanism, cancellationToken).ConfigureAwait(false);
            return SmtpReplies.AuthRateLimited;
        }

        Attempt attempt;
        try
        {
            attempt = mechanism switch
            {
                "PLAIN" when _authenticator.AllowsPasswords => await PlainAsync(session, initial, channel, cancellationToken).ConfigureAwait(false),
                "LOGIN" when _authenticator.AllowsPasswords => await LoginAsync(session, initial, channel, cancellationToken).ConfigureAwait(false),
                "OAUTHBEARER" => await OAuthBearerAsync(session, initial, channel, cancellationToken).ConfigureAwait(false),
                "XOAUTH2" => await XOAuth2Async(session, initial, channel, cancellationToken).ConfigureAwait(false),
                "EXTERNAL" when _options.ApplicationCertificates is not null => await ExternalAsync(session, initial, channel, cancellationToken).ConfigureAwait(false),
                _ => Attempt.Refused(SmtpReplies.AuthMechanismUnknown),
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            SubmissionLog.AuthenticatorFailed(_logger, session.SessionId, ex);
            attempt = Attempt.Refused(SmtpReplies.AuthTemporaryFailure);
        }

        if (attempt.Principal is null)
        {
            if (attempt.CountsAsFailure)
            {
                _throttle.RecordFailure(attempt.Account, client);
                await AuditAsync(session, attempt.Account ?? "unknown", null, AuthAction, "failed", mechanism, cancellationToken).ConfigureAwait(false);
                SubmissionLog.AuthenticationFailed(_logger, session.SessionId, mechanism);
            }
            else if (attempt.Reply == SmtpReplies.AuthRateLimited)
            {
                await AuditAsync(session, attempt.Account ?? "unknown", null, AuthAction, "rate_limited", mechanism, cancellationToken).ConfigureAwait(false);
            }
            else if (attempt.Reply == SmtpReplies.AuthTemporaryFailure)
            {
                // The credentials could not be checked (identity provider down): an access attempt all the same.
                await AuditAsync(session, attempt.Account ?? "unknown", null, AuthAction, "error", mechanism, cancellationToken).ConfigureAwait(false);
            }

            return attempt.Reply!;
        }

        var principal = attempt.Principal;
        if (principal.AuthorizedMailbox is { } requested)
        {
            var (_, decision) = await AuthorizeAsync(principal, requested, cancellationToken).ConfigureAwait(false);
            if (!decision.IsAllowed)
            {
                await AuditAsync(session, principal.AuditActor, requested, AuthAction, "denied", mechanism, cancellationToken).ConfigureAwait(false);
                SubmissionLog.Authenticated(_logger, session.SessionId, mechanism, principal.AuditActor, "refused for the requested mailbox");
                return SmtpReplies.AuthzRefused;
            }
        }

        _throttle.RecordSuccess(attempt.Account);
        state.Principal = principal;
        await AuditAsync(session, principal.AuditActor, principal.AuthorizedMailbox, AuthAction, "ok", mechanism, cancellationToken).ConfigureAwait(false);
        SubmissionLog.Authenticated(_logger, session.SessionId, mechanism, principal.AuditActor, "succeeded");
        return SmtpReplies.AuthSucceeded;
    }

    private async ValueTask<Attempt> PlainAsync(SmtpSessionContext session, string? initial, ISaslChannel channel, CancellationToken cancellationToken)
    {
        var response = initial ?? await channel.ChallengeAsync(string.Empty, cancellationToken).ConfigureAwait(false);
        if (Cancelled(response) is { } stop)
        {
            return stop;
        }

        if (!PlainMessage.TryParseBase64(response, out var plain, out var error))
        {
            SubmissionLog.MalformedResponse(_logger, session.SessionId, "PLAIN", error);
            return Attempt.Refused(SmtpReplies.AuthCancelled);
        }

        return await PasswordAsync(plain.AuthenticationIdentity, plain.Password, plain.RequestedAuthorizationIdentity, "PLAIN", cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<Attempt> LoginAsync(SmtpSessionContext session, string? initial, ISaslChannel channel, CancellationToken cancellationToken)
    {
        var userResponse = initial ?? await channel.ChallengeAsync(UsernameChallenge, cancellationToken).ConfigureAwait(false);
        if (Cancelled(userResponse) is { } stop)
        {
            return stop;
        }

        var passwordResponse = await channel.ChallengeAsync(PasswordChallenge, cancellationToken).ConfigureAwait(false);
        if (Cancelled(passwordResponse) is { } stopped)
        {
            return stopped;
        }

        if (!LoginMessage.TryParseBase64(userResponse, passwordResponse, out var login, out var error))
        {
            SubmissionLog.MalformedResponse(_logger, session.SessionId, "LOGIN", error);
            return Attempt.Refused(SmtpReplies.AuthCancelled);
        }

        return await PasswordAsync(login.UserName, login.Password, null, "LOGIN", cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<Attempt> PasswordAsync(string user, string password, string? authzid, string mechanism, CancellationToken cancellationToken)
    {
        var account = user.Trim();
        if (_throttle.RetryAfter(account, "-") is not null)
        {
            // Locked: the password is not even checked, so guessing on gains nothing.
            return Attempt.Refused(SmtpReplies.AuthRateLimited, account);
        }

        var check = await _authenticator.CheckPasswordAsync(account, password, cancellationToken).ConfigureAwait(false);
        return Outcome(check, account, authzid, mechanism);
    }

    private async ValueTask<Attempt> OAuthBearerAsync(SmtpSessionContext session, string? initial, ISaslChannel channel, CancellationToken cancellationToken)
    {
        var response = initial ?? await channel.ChallengeAsync(string.Empty, cancellationToken).ConfigureAwait(false);
        if (Cancelled(response) is { } stop)
        {
            return stop;
        }

        if (!OAuthBearerMessage.TryParseBase64(response, out var message, out var error))
        {
            SubmissionLog.MalformedResponse(_logger, session.SessionId, "OAUTHBEARER", error);
            return Attempt.Refused(SmtpReplies.AuthCancelled);
        }

        var check = await _authenticator.CheckTokenAsync(message.Token, null, cancellationToken).ConfigureAwait(false);
        if (check.Outcome == CredentialOutcome.Invalid)
        {
            await RejectTokenAsync(channel, cancellationToken).ConfigureAwait(false);
        }

        return Outcome(check, null, message.AuthorizationIdentity, "OAUTHBEARER");
    }

    private async ValueTask<Attempt> XOAuth2Async(SmtpSessionContext session, string? initial, ISaslChannel channel, CancellationToken cancellationToken)
    {
        var response = initial ?? await channel.ChallengeAsync(string.Empty, cancellationToken).ConfigureAwait(false);
        if (Cancelled(response) is { } stop)
        {
            return stop;
        }

        if (!XOAuth2Message.TryParseBase64(response, out var message, out var error))
        {
            SubmissionLog.MalformedResponse(_logger, session.SessionId, "XOAUTH2", error);
            return Attempt.Refused(SmtpReplies.AuthCancelled);
        }

        var check = await _authenticator.CheckTokenAsync(message.Token, message.User, cancellationToken).ConfigureAwait(false);
        if (check.Outcome == CredentialOutcome.Invalid)
        {
            await RejectTokenAsync(channel, cancellationToken).ConfigureAwait(false);
        }

        // XOAUTH2's user is the professional or, for a shared mailbox, the mailbox itself.
        var authzid = check.Outcome == CredentialOutcome.Valid && message.User.Contains('@', StringComparison.Ordinal)
            && !string.Equals(message.User, check.PersonalAddress, StringComparison.OrdinalIgnoreCase)
            ? message.User
            : null;
        return Outcome(check, null, authzid, "XOAUTH2");
    }

    // RFC 7628 §3.2.2: a failed token gets an error challenge; the client answers ^A and then gets 535.
    private async ValueTask RejectTokenAsync(ISaslChannel channel, CancellationToken cancellationToken) =>
        await channel.ChallengeAsync(OAuthBearerError.ForInvalidToken(_options.OpenIdConfiguration, _options.TokenScope).ToBase64(), cancellationToken).ConfigureAwait(false);

    private async ValueTask<Attempt> ExternalAsync(SmtpSessionContext session, string? initial, ISaslChannel channel, CancellationToken cancellationToken)
    {
        var response = initial ?? await channel.ChallengeAsync(string.Empty, cancellationToken).ConfigureAwait(false);
        if (Cancelled(response) is { } stop)
        {
            return stop;
        }

        if (!ExternalMessage.TryParseBase64(response, out var external, out var error))
        {
            SubmissionLog.MalformedResponse(_logger, session.SessionId, "EXTERNAL", error);
            return Attempt.Refused(SmtpReplies.AuthCancelled);
        }

        var check = _options.ApplicationCertificates!.ValidateClient(session.ClientCertificate);
        if (!check.IsTrusted || string.IsNullOrEmpty(check.Email))
        {
            return Attempt.Failed(check.Email);
        }

        var actor = AccessActor.Application([check.Email]);
        var requested = external.AuthorizationIdentity?.Trim().ToLowerInvariant();
        return Attempt.Succeeded(new SubmissionPrincipal(actor, "EXTERNAL", null, actor.Id, requested), actor.Id);
    }

    private static Attempt Outcome(CredentialCheck check, string? account, string? authzid, string mechanism) => check.Outcome switch
    {
        CredentialOutcome.Valid => Attempt.Succeeded(
            new SubmissionPrincipal(AccessActor.Professional(check.IdNatPs!), mechanism, check.DisplayName, check.PersonalAddress, authzid?.Trim().ToLowerInvariant()),
            account ?? check.IdNatPs),
        CredentialOutcome.Unavailable => Attempt.Refused(SmtpReplies.AuthTemporaryFailure, account),
        _ => Attempt.Failed(account),
    };

    private static Attempt? Cancelled(string? response) => response switch
    {
        // The session already answers a closed, timed-out or too long exchange.
        null => Attempt.Refused(SmtpReplies.AuthCancelled),
        _ when SaslText.IsCancellation(response) => Attempt.Refused(SmtpReplies.AuthCancelled),
        _ => null,
    };

    // ---- MAIL, RCPT, DATA --------------------------------------------------------------------

    public async ValueTask<SmtpReply> OnMailFromAsync(SmtpSessionContext session, SmtpTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(transaction);
        if (State(session).Principal is not { } principal)
        {
            return SmtpReplies.AuthenticationRequired;
        }

        var (mailbox, decision) = transaction.IsNullSender
            ? (null, null)
            : await AuthorizeSenderAsync(principal, transaction.ReversePath, cancellationToken).ConfigureAwait(false);
        if (mailbox is null || decision is not { IsAllowed: true })
        {
            await AuditAsync(session, principal.AuditActor, transaction.IsNullSender ? null : transaction.ReversePath, SendAction, "denied", "envelope sender not allowed", cancellationToken).ConfigureAwait(false);
            return decision is null ? SmtpReplies.SenderNotAllowed : SmtpReplies.SenderNotAllowed.WithText("Sender address not allowed: " + decision.English);
        }

        transaction.PolicyState = new AcceptanceEnvelope(transaction.ReversePath, session) { SenderMailbox = mailbox };
        return SmtpReplies.SenderOk;
    }

    public async ValueTask<SmtpReply> OnRecipientAsync(SmtpSessionContext session, SmtpTransaction transaction, RcptToCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(command);
        try
        {
            return await _acceptance.CheckRecipientAsync((AcceptanceEnvelope)transaction.PolicyState!, new AcceptanceRecipient(command.Recipient), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            SubmissionLog.LookupFailed(_logger, session.SessionId, ex);
            return SmtpReplies.StorageFailure;
        }
    }

    public async ValueTask<SmtpReply> OnMessageAsync(SmtpSessionContext session, SmtpTransaction transaction, SmtpMessageContent message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(message);
        var principal = State(session).Principal!;
        var envelope = (AcceptanceEnvelope)transaction.PolicyState!;
        var mailbox = envelope.SenderMailbox!;

        var from = SenderHeader.FromAddresses(message.Content);
        var fromAllowed = from.Count > 0;
        foreach (var address in from)
        {
            if (!string.Equals(address, mailbox.Address, StringComparison.OrdinalIgnoreCase)
                && (await AuthorizeSenderAsync(principal, address, cancellationToken).ConfigureAwait(false)).Decision is not { IsAllowed: true })
            {
                fromAllowed = false;
                break;
            }
        }

        if (!fromAllowed)
        {
            await AuditAsync(session, principal.AuditActor, mailbox.Address, SendAction, "denied", "From: header not allowed", cancellationToken).ConfigureAwait(false);
            return SmtpReplies.FromHeaderNotAllowed;
        }

        // A stage that fails is answered by the session (451 4.3.0); nothing is stored.
        var verdict = await _acceptance.CheckMessageAsync(envelope, message.Content, cancellationToken).ConfigureAwait(false);
        if (verdict.TransactionReply is { } refusal)
        {
            await AuditAsync(session, principal.AuditActor, mailbox.Address, SendAction, "denied", "refused by an acceptance rule", cancellationToken).ConfigureAwait(false);
            return refusal;
        }

        ReadOnlyMemory<byte> raw = mailbox.Kind is MailboxKind.Organisational or MailboxKind.Practice
            ? SenderHeader.Replace(message.Content.Span, SenderHeader.Format(SenderName(principal), principal.PersonalAddress ?? mailbox.Address))
            : message.Content.ToArray();

        var recipients = transaction.Recipients
            .Select(r => new OutboundRecipient(r.Address, r.Parameters.Notify, OriginalRecipient(r.Parameters)))
            .ToArray();
        try
        {
            await _submit(mailbox.Address, recipients, raw, transaction.Parameters.EnvelopeId, transaction.Parameters.Return == DsnReturn.Full, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            SubmissionLog.SubmitFailed(_logger, session.SessionId, transaction.Id, ex);
            await AuditAsync(session, principal.AuditActor, mailbox.Address, SendAction, "error", null, cancellationToken).ConfigureAwait(false);
            return SmtpReplies.StorageFailure;
        }

        // The message is on its way: a failed Sent copy is logged, not turned into a retry that would send it twice.
        try
        {
            var sent = await _folders.FindFolderAsync(mailbox.Id, StandardFolders.Sent, cancellationToken).ConfigureAwait(false);
            if (sent is not null)
            {
                await _messages.AppendAsync(sent.Id, raw, MessageFlags.Seen, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            SubmissionLog.SentCopyFailed(_logger, session.SessionId, transaction.Id, ex);
        }

        var detail = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{recipients.Length} recipient(s)");
        await AuditAsync(session, principal.AuditActor, mailbox.Address, SendAction, "ok", detail, cancellationToken).ConfigureAwait(false);
        return SmtpReplies.MessageAccepted(transaction.Id);
    }

    // ---- Rules -------------------------------------------------------------------------------

    /// <summary>
    /// Whether the principal may send as <paramref name="address"/>: when it named a mailbox as
    /// authzid, only that one; otherwise its own mailboxes (a shared mailbox needs the authzid,
    /// RFC 4616 §2). Membership is read again each time, so a removal takes effect at once.
    /// </summary>
    private async ValueTask<(MailboxRecord? Mailbox, AccessDecision? Decision)> AuthorizeSenderAsync(SubmissionPrincipal principal, string address, CancellationToken cancellationToken)
    {
        if (principal.AuthorizedMailbox is { } authorized)
        {
            return string.Equals(authorized, address, StringComparison.OrdinalIgnoreCase)
                ? await AuthorizeAsync(principal, address, cancellationToken).ConfigureAwait(false)
                : (null, null);
        }

        var (mailbox, decision) = await AuthorizeAsync(principal, address, cancellationToken).ConfigureAwait(false);
        return mailbox is { Kind: MailboxKind.Organisational or MailboxKind.Practice } ? (null, null) : (mailbox, decision);
    }

    private async ValueTask<(MailboxRecord? Mailbox, AccessDecision Decision)> AuthorizeAsync(SubmissionPrincipal principal, string address, CancellationToken cancellationToken)
    {
        var mailbox = await _mailboxes.FindMailboxAsync(address, cancellationToken).ConfigureAwait(false);
        if (mailbox is null)
        {
            var unknown = new AccessDecision(false, AccessRefusal.NotOwner, $"Aucune boîte {address} sur cet opérateur.", $"No mailbox {address} on this operator.");
            return (null, unknown);
        }

        var isMember = principal.Actor.Kind == AccessActorKind.Professional
            && mailbox.Kind is MailboxKind.Organisational or MailboxKind.Practice
            && await _mailboxes.IsMemberAsync(mailbox.Address, principal.Actor.Id, cancellationToken).ConfigureAwait(false);
        return (mailbox, MailboxAccess.Decide(principal.Actor, new MailboxAccessTarget(mailbox.Address, mailbox.Kind, mailbox.OwnerId), isMember));
    }

    private static string SenderName(SubmissionPrincipal principal) =>
        principal.DisplayName is { Length: > 0 } name ? $"{name} ({principal.Actor.Id})" : principal.Actor.Id;

    private static string? OriginalRecipient(RcptParameters parameters) =>
        parameters.OriginalRecipient is null ? null : $"{parameters.OriginalRecipientType ?? "rfc822"};{parameters.OriginalRecipient}";

    private async ValueTask AuditAsync(SmtpSessionContext session, string actor, string? mailbox, string action, string result, string? detail, CancellationToken cancellationToken)
    {
        try
        {
            await _audit.AppendAuditAsync(new AuditEvent(_time.GetUtcNow(), actor, mailbox, action, result, ClientAddress(session), detail), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            SubmissionLog.AuditFailed(_logger, session.SessionId, ex);
        }
    }

    private static string ClientAddress(SmtpSessionContext session) => session.RemoteEndPoint.Address.ToString();

    private static SessionState State(SmtpSessionContext session) =>
        session.PolicyState as SessionState ?? (SessionState)(session.PolicyState = new SessionState());

    private sealed class SessionState
    {
        public SubmissionPrincipal? Principal { get; set; }
    }

    /// <summary>The outcome of one mechanism: a principal, or the reply to send and whether it counts as a failed attempt.</summary>
    private sealed record Attempt(SubmissionPrincipal? Principal, SmtpReply? Reply, string? Account, bool CountsAsFailure)
    {
        public static Attempt Succeeded(SubmissionPrincipal principal, string? account) => new(principal, null, account, false);

        public static Attempt Failed(string? account) => new(null, SmtpReplies.AuthFailed, account, true);

        public static Attempt Refused(SmtpReply reply, string? account = null) => new(null, reply, account, false);
    }
}
