using System.Globalization;
using OpenMss.Core.Conversations;

namespace OpenMss.Smtp.Protocol;

/// <summary>
/// The one catalogue of every reply the OpenMSS SMTP server sends: reply codes from RFC 5321
/// §4.2.2–4.2.3, enhanced status codes from RFC 3463 (subjects from the IANA registry, RFC 5248),
/// texts a peer operator can act on. Handlers and policies pick a value from here, never build
/// a reply string of their own.
/// </summary>
public static class SmtpReplies
{
    // ---- Connection ---------------------------------------------------------------------

    /// <summary>The greeting (RFC 5321 §4.3.1); no enhanced status code on a greeting.</summary>
    public static SmtpReply ServiceReady(string hostName) => new(220, null, $"{hostName} ESMTP OpenMSS ready");

    /// <summary>Answer to QUIT (RFC 5321 §4.1.1.10).</summary>
    public static SmtpReply Closing(string hostName) => new(221, "2.0.0", $"{hostName} closing connection");

    /// <summary>No command within the command timeout (RFC 5321 §4.5.3.2.7); the server then closes.</summary>
    public static readonly SmtpReply Timeout = new(421, "4.4.2", "Timeout waiting for the client, closing connection", "timeout");

    /// <summary>More concurrent sessions than the server accepts; the connection is closed.</summary>
    public static readonly SmtpReply TooManyConnections = new(421, "4.7.0", "Too many concurrent connections, try again later", "too_many_connections");

    /// <summary>The client's address already holds <c>MaxSessionsPerAddress</c> sessions.</summary>
    public static readonly SmtpReply TooManyConnectionsFromAddress = new(421, "4.7.0", "Too many concurrent connections from your address, try again later", "too_many_connections_from_address");

    /// <summary>The server is stopping; the client retries later (a message not acknowledged is not lost).</summary>
    public static readonly SmtpReply ShuttingDown = new(421, "4.3.2", "Service shutting down, closing connection", "shutting_down");

    /// <summary>The client sent too many bad commands in a row; the session ends.</summary>
    public static readonly SmtpReply TooManyErrors = new(421, "4.7.0", "Too many errors, closing connection", "too_many_errors");

    /// <summary>The policy refuses the client before any command.</summary>
    public static readonly SmtpReply ConnectionRefused = new(554, "5.7.1", "No SMTP service for this client", "connection_refused");

    // ---- Positive replies ---------------------------------------------------------------

    public static readonly SmtpReply Ok = new(250, "2.0.0", "OK");

    public static readonly SmtpReply ResetOk = new(250, "2.0.0", "Reset OK");

    public static readonly SmtpReply SenderOk = new(250, "2.1.0", "Sender OK");

    public static readonly SmtpReply RecipientOk = new(250, "2.1.5", "Recipient OK");

    /// <summary>Intermediate reply to DATA (RFC 5321 §4.1.1.4); no enhanced status code on 354.</summary>
    public static readonly SmtpReply StartMailInput = new(354, null, "Start mail input; end with <CRLF>.<CRLF>");

    /// <summary>End of DATA: the message is durably stored (RFC 5321 §4.1.1.4 and §6.1).</summary>
    public static SmtpReply MessageAccepted(string id) => new(250, "2.0.0", $"Message accepted for delivery, id {id}");

    /// <summary>Answer to STARTTLS (RFC 3207 §4).</summary>
    public static readonly SmtpReply ReadyToStartTls = new(220, "2.0.0", "Ready to start TLS");

    /// <summary>
    /// Answer to VRFY (RFC 5321 §3.5.3): addresses of health professionals are not enumerable,
    /// so the server never confirms a mailbox.
    /// </summary>
    public static readonly SmtpReply CannotVerify = new(252, "2.5.0", "Cannot VRFY user, but will accept the message for local mailboxes and attempt delivery");

    public static readonly SmtpReply Help = new(214, "2.0.0", "Commands: EHLO HELO STARTTLS MAIL RCPT DATA RSET NOOP QUIT VRFY HELP (RFC 5321)");

    /// <summary>The HELO reply (RFC 5321 §4.1.1.1). The client name is not echoed: replies stay cacheable.</summary>
    public static SmtpReply Helo(string hostName) => new(250, null, $"{hostName} OpenMSS");

    /// <summary>The EHLO reply (RFC 5321 §4.1.1.1): greeting line then one extension keyword per line.</summary>
    public static SmtpReply Ehlo(string hostName, IEnumerable<string> extensions)
    {
        ArgumentNullException.ThrowIfNull(extensions);
        var lines = new List<string> { $"{hostName} OpenMSS" };
        lines.AddRange(extensions);
        return new SmtpReply(250, null, lines);
    }

    // ---- Syntax and sequence (RFC 5321 §4.2.4, RFC 3463 X.5.x) ---------------------------

    public static readonly SmtpReply CommandUnrecognized = new(500, "5.5.1", "Command unrecognized", "syntax");

    /// <summary>A command line longer than RFC 5321 §4.5.3.1.4 allows; the rest of the line was discarded.</summary>
    public static readonly SmtpReply LineTooLong = new(500, "5.5.2", "Line too long (the limit is 512 octets including CRLF)", "line_too_long");

    public static readonly SmtpReply InvalidCharacters = new(500, "5.5.2", "Invalid characters in command (expected ASCII or UTF-8 without control characters)", "syntax");

    public static readonly SmtpReply SyntaxError = new(501, "5.5.4", "Syntax error in parameters or arguments", "syntax");

    public static readonly SmtpReply HelloDomainRequired = new(501, "5.5.4", "EHLO/HELO requires a domain name or address literal", "syntax");

    public static readonly SmtpReply NoArgumentsAllowed = new(501, "5.5.4", "This command takes no arguments", "syntax");

    public static readonly SmtpReply BadSenderSyntax = new(501, "5.1.7", "Bad sender address syntax", "syntax");

    public static readonly SmtpReply BadRecipientSyntax = new(501, "5.1.3", "Bad recipient address syntax", "syntax");

    /// <summary>RFC 5321 §4.5.3.1.3: a path is at most 256 octets, a local part 64, a domain 255.</summary>
    public static readonly SmtpReply PathTooLong = new(501, "5.1.3", "Path too long", "syntax");

    public static readonly SmtpReply InvalidParameterValue = new(501, "5.5.4", "Invalid MAIL FROM/RCPT TO parameter value", "syntax");

    public static readonly SmtpReply DuplicateParameter = new(501, "5.5.4", "Duplicate MAIL FROM/RCPT TO parameter", "syntax");

    /// <summary>RFC 5321 §4.1.1.11 / RFC 1869: unknown or unsupported ESMTP parameter.</summary>
    public static readonly SmtpReply ParameterNotRecognized = new(555, "5.5.4", "MAIL FROM/RCPT TO parameter not recognized or not implemented", "syntax");

    /// <summary>RFC 6531 §3.5: a non-ASCII address without the SMTPUTF8 parameter.</summary>
    public static readonly SmtpReply NonAsciiAddress = new(553, "5.6.7", "Non-ASCII addresses require the SMTPUTF8 parameter", "syntax");

    public static readonly SmtpReply NotImplemented = new(502, "5.5.1", "Command not implemented", "not_implemented");

    public static readonly SmtpReply BadSequence = new(503, "5.5.1", "Bad sequence of commands", "sequence");

    public static readonly SmtpReply NeedHelo = new(503, "5.5.1", "Send EHLO or HELO first", "sequence");

    public static readonly SmtpReply NeedMail = new(503, "5.5.1", "Need MAIL before RCPT or DATA", "sequence");

    public static readonly SmtpReply NestedMail = new(503, "5.5.1", "Sender already specified; send RSET to start a new transaction", "sequence");

    public static readonly SmtpReply TlsAlreadyActive = new(503, "5.5.1", "TLS is already active", "sequence");

    /// <summary>DATA after MAIL whose recipients were all refused (RFC 5321 §3.3, RFC 2920 §3.1).</summary>
    public static readonly SmtpReply NoValidRecipients = new(554, "5.5.1", "No valid recipients", "no_recipients");

    // ---- Size, lines and content ----------------------------------------------------------

    /// <summary>The message exceeds the limit advertised by SIZE (RFC 1870 §6.4); nothing is stored.</summary>
    public static readonly SmtpReply MessageTooBig = new(552, "5.3.4", "Message size exceeds the fixed maximum message size", "size");

    /// <summary>MAIL FROM declares a SIZE above the limit (RFC 1870 §6.2).</summary>
    public static readonly SmtpReply DeclaredSizeTooBig = new(552, "5.3.4", "Declared message size exceeds the fixed maximum message size", "size");

    /// <summary>
    /// A text line of the message longer than 1000 octets including CRLF (RFC 5321 §4.5.3.1.6,
    /// RFC 5322 §2.1.1). The server reads the message to its end and refuses it rather than
    /// folding or truncating: altering a signed health document would be worse than refusing it.
    /// </summary>
    public static readonly SmtpReply MessageLineTooLong = new(554, "5.6.0", "Message refused: a line is longer than 1000 octets including CRLF (RFC 5321 section 4.5.3.1.6)", "line_too_long");

    /// <summary>
    /// A CR or LF not part of a CRLF pair in the message (RFC 5321 §2.3.8). Accepting them is what
    /// makes SMTP smuggling possible, so such messages are refused whole.
    /// </summary>
    public static readonly SmtpReply BareLineEnding = new(554, "5.6.0", "Message refused: bare CR or LF; lines must end with CRLF (RFC 5321 section 2.3.8)", "bare_line_ending");

    /// <summary>RFC 5321 §4.5.3.1.10: too many recipients for one transaction (the client sends the rest later).</summary>
    public static readonly SmtpReply TooManyRecipients = new(452, "4.5.3", "Too many recipients for this transaction", "too_many_recipients");

    /// <summary>
    /// After DATA, when the acceptance stages take the message for some recipients and refuse it for
    /// others: SMTP has one reply for the whole transaction, so nothing is stored and the client is
    /// told to send the message again with one recipient per transaction (RFC 3463 §3.6, X.5.3).
    /// </summary>
    public static readonly SmtpReply OneRecipientPerTransaction = new(550, "5.5.3", "Recipients of this message get different answers; send it again with one recipient per transaction", "one_recipient_per_transaction");

    // ---- Local failures -------------------------------------------------------------------

    /// <summary>The store could not commit the message: nothing is acknowledged, the client retries.</summary>
    public static readonly SmtpReply StorageFailure = new(451, "4.3.0", "Temporary storage failure, message not accepted; try again later", "storage");

    public static readonly SmtpReply LocalError = new(451, "4.3.0", "Local error in processing; try again later", "local_error");

    /// <summary>RFC 3207 §4: STARTTLS cannot be started now (no server certificate, handshake setup failed).</summary>
    public static readonly SmtpReply TlsNotAvailable = new(454, "4.7.0", "TLS not available due to temporary reason", "tls_unavailable");

    // ---- Security (RFC 3207, ANS MSSanté référentiel #2, operator) ------------------------

    /// <summary>RFC 3207 §4: the relay requires TLS before MAIL.</summary>
    public static readonly SmtpReply StartTlsFirst = new(530, "5.7.0", "Must issue a STARTTLS command first", "tls_required");

    /// <summary>The peer presented no client certificate during the TLS handshake.</summary>
    public static readonly SmtpReply ClientCertificateRequired = new(530, "5.7.0", "A client certificate issued by the MSSante trust authority is required", "certificate_missing");

    /// <summary>The client certificate does not validate; use <see cref="ClientCertificateRefusedBecause"/> to give the reason.</summary>
    public static readonly SmtpReply ClientCertificateRefused = new(550, "5.7.1", "Client certificate refused", "certificate_refused");

    /// <summary><see cref="ClientCertificateRefused"/> with the validator's reason (foreign authority, expired, revoked…).</summary>
    public static SmtpReply ClientCertificateRefusedBecause(string reason)
        => ClientCertificateRefused.WithText(string.Create(CultureInfo.InvariantCulture, $"Client certificate refused: {reason}"));

    /// <summary>No dNSName of the client certificate is on the MSSanté whitelist.</summary>
    public static readonly SmtpReply PeerNotWhitelisted = new(550, "5.7.1", "The client certificate names no domain on the MSSante whitelist", "not_whitelisted");

    /// <summary>The MAIL FROM domain is not one of the domains of the client certificate.</summary>
    public static readonly SmtpReply SenderDomainNotInCertificate = new(550, "5.7.1", "Sender domain does not belong to the operator named by the client certificate", "sender_domain");

    /// <summary>The MAIL FROM domain is not on the MSSanté whitelist.</summary>
    public static readonly SmtpReply SenderDomainNotWhitelisted = new(550, "5.7.1", "Sender domain is not on the MSSante whitelist", "not_whitelisted");

    /// <summary>The recipient domain is not served by this operator: no open relay (RFC 5321 §3.6.1).</summary>
    public static readonly SmtpReply RelayDenied = new(550, "5.7.1", "Relaying denied: recipient domain is not served here", "relay_denied");

    /// <summary>The recipient domain is local but no such mailbox exists (RFC 3463 X.1.1).</summary>
    public static readonly SmtpReply UnknownMailbox = new(550, "5.1.1", "Mailbox unknown", "unknown_mailbox");

    // ---- Patient conversations (Mon espace sante) -------------------------------------------
    // RFC 5321 reply text is ASCII: French without accents, then English, saying why.

    /// <summary>A patient's reply in a conversation the professional closed (<see cref="ConversationRefusal.ConversationClosed"/>).</summary>
    public static readonly SmtpReply PatientConversationClosed = new(550, "5.7.1", "Conversation close par le professionnel de sante (FIN): le patient ne peut plus y repondre. The professional closed this conversation", "conversation_closed");

    /// <summary>A patient's first message to a mailbox that is not an eligible pharmacy (<see cref="ConversationRefusal.NotAPharmacy"/>, <see cref="ConversationRefusal.NoRecentDispensation"/>).</summary>
    public static readonly SmtpReply PatientMayOnlyStartWithPharmacy = new(550, "5.7.1", "Un patient ne peut ecrire en premier qu'a sa pharmacie (dispensation remboursee depuis moins de 12 mois). Patients may only start a conversation with their pharmacy", "patient_initiation");

    /// <summary>The reply for a refusal of <see cref="ConversationRules.Decide"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="ConversationRefusal.None"/> or an unknown value: there is nothing to refuse.</exception>
    public static SmtpReply ForConversationRefusal(ConversationRefusal refusal) => refusal switch
    {
        ConversationRefusal.ConversationClosed => PatientConversationClosed,
        ConversationRefusal.NotAPharmacy or ConversationRefusal.NoRecentDispensation => PatientMayOnlyStartWithPharmacy,
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, "Not a refusal."),
    };

    /// <summary>
    /// A patient address of the patient space that takes no mail (RFC 3463 X.1.1): malformed or with a
    /// wrong INS key, unknown to the patient registry, or of a patient who opposed or closed the space.
    /// One reply for all of them, so that a sender never learns which; French without accents, the
    /// text being ASCII (RFC 5321 §4.2). The sending operator's failure notice says it in full.
    /// </summary>
    public static readonly SmtpReply PatientMailboxUnavailable = new(550, "5.1.1", "Boite aux lettres du patient inexistante ou fermee", "unknown_mailbox");

    // ---- Submission and AUTH (RFC 4954, RFC 6409) ---------------------------------------------

    /// <summary>A SASL challenge (RFC 4954 §4): base64 text, no enhanced status code.</summary>
    public static SmtpReply AuthChallenge(string base64) => new(334, null, base64);

    /// <summary>RFC 4954 §6: authentication succeeded.</summary>
    public static readonly SmtpReply AuthSucceeded = new(235, "2.7.0", "Authentication successful");

    /// <summary>RFC 4954 §6: wrong credentials, or an identity not allowed to act as the requested authorization identity.</summary>
    public static readonly SmtpReply AuthFailed = new(535, "5.7.8", "Authentication credentials invalid", "auth_failed");

    /// <summary>The credentials are right but the authorization identity (RFC 4616 authzid) names a mailbox the user may not use.</summary>
    public static readonly SmtpReply AuthzRefused = new(535, "5.7.8", "Not authorized to use the requested mailbox", "authz_refused");

    /// <summary>RFC 4954 §6: temporary failure (the identity provider is unreachable).</summary>
    public static readonly SmtpReply AuthTemporaryFailure = new(454, "4.7.0", "Temporary authentication failure", "auth_temporary");

    /// <summary>Too many failed attempts for this account or from this address (issue 4 point 6).</summary>
    public static readonly SmtpReply AuthRateLimited = new(454, "4.7.0", "Too many failed attempts, try again later", "auth_rate_limited");

    /// <summary>RFC 4954 §4: the client cancelled the exchange with <c>*</c>, or sent invalid base64.</summary>
    public static readonly SmtpReply AuthCancelled = new(501, "5.0.0", "Authentication cancelled", "auth_cancelled");

    /// <summary>RFC 4954 §4: the AUTH argument is not a mechanism with an optional base64 initial response.</summary>
    public static readonly SmtpReply AuthSyntax = new(501, "5.5.2", "Syntax: AUTH mechanism [initial-response]", "syntax");

    /// <summary>RFC 4954 §6: the mechanism is not one the server offers.</summary>
    public static readonly SmtpReply AuthMechanismUnknown = new(504, "5.5.4", "Unrecognized authentication type", "auth_mechanism");

    /// <summary>RFC 4954 §4: AUTH after a successful AUTH.</summary>
    public static readonly SmtpReply AlreadyAuthenticated = new(503, "5.5.1", "Already authenticated", "sequence");

    /// <summary>RFC 4954 §4: a SASL response line over 12288 octets.</summary>
    public static readonly SmtpReply AuthLineTooLong = new(500, "5.5.6", "Authentication Exchange line is too long", "line_too_long");

    /// <summary>RFC 4954 §6: the mechanism needs TLS (passwords and tokens never travel in clear).</summary>
    public static readonly SmtpReply EncryptionRequired = new(538, "5.7.11", "Encryption required for requested authentication mechanism", "tls_required");

    /// <summary>RFC 4954 §6 / RFC 6409: the submission service accepts MAIL only from an authenticated client.</summary>
    public static readonly SmtpReply AuthenticationRequired = new(530, "5.7.0", "Authentication required", "auth_required");

    /// <summary>RFC 6409 §6.1: the envelope sender is not a mailbox the authenticated identity may use.</summary>
    public static readonly SmtpReply SenderNotAllowed = new(550, "5.7.1", "Sender address not allowed for this authenticated identity", "sender_not_allowed");

    /// <summary>RFC 6409 §6.1: the <c>From:</c> header names a mailbox the authenticated identity may not use (or none).</summary>
    public static readonly SmtpReply FromHeaderNotAllowed = new(550, "5.7.1", "From: header address not allowed for this authenticated identity", "from_not_allowed");
}
