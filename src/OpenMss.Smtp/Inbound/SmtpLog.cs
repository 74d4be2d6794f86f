using System.Net;
using Microsoft.Extensions.Logging;
using OpenMss.Core.Privacy;

namespace OpenMss.Smtp.Inbound;

// Log events of the SMTP server. Never message content, subjects or addresses: at most the
// domains of recipients or a keyed pseudonym of an address (LogPseudonym: a patient's address is
// their INS), the peer's IP address and certificate subject (an operator, not a person).
internal static partial class SmtpLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "SMTP server listening on {EndPoint} as {HostName} (STARTTLS {TlsState})")]
    public static partial void Listening(ILogger logger, EndPoint endPoint, string hostName, string tlsState);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "SMTP server on {EndPoint} stopped")]
    public static partial void Stopped(ILogger logger, EndPoint? endPoint);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "SMTP connection from {RemoteEndPoint} refused: {MaxSessions} sessions already active")]
    public static partial void TooManySessions(ILogger logger, EndPoint? remoteEndPoint, int maxSessions);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "SMTP connection from {RemoteEndPoint} refused: {MaxSessions} sessions already active from that address")]
    public static partial void TooManySessionsFromAddress(ILogger logger, EndPoint? remoteEndPoint, int maxSessions);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "SMTP accept failed; retrying")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "SMTP shutdown: {Count} sessions did not finish within the shutdown timeout and were cut")]
    public static partial void SessionsAborted(ILogger logger, int count);

    [LoggerMessage(EventId = 110, Level = LogLevel.Debug, Message = "SMTP session {SessionId} from {RemoteEndPoint}")]
    public static partial void SessionStarted(ILogger logger, string sessionId, EndPoint remoteEndPoint);

    [LoggerMessage(EventId = 111, Level = LogLevel.Debug, Message = "SMTP session {SessionId} ended ({Reason})")]
    public static partial void SessionEnded(ILogger logger, string sessionId, string reason);

    [LoggerMessage(EventId = 112, Level = LogLevel.Debug, Message = "SMTP session {SessionId}: connection lost ({Error})")]
    public static partial void ConnectionLost(ILogger logger, string sessionId, string error);

    [LoggerMessage(EventId = 113, Level = LogLevel.Error, Message = "SMTP session {SessionId} failed")]
    public static partial void SessionFailed(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(EventId = 114, Level = LogLevel.Information, Message = "SMTP session {SessionId}: no command within {Timeout}, closing with 421 4.4.2")]
    public static partial void TimedOut(ILogger logger, string sessionId, TimeSpan timeout);

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "SMTP session {SessionId}: {Protocol} with {CipherSuite}, client certificate {Subject}")]
    public static partial void TlsEstablished(ILogger logger, string sessionId, string protocol, string cipherSuite, string subject);

    [LoggerMessage(EventId = 121, Level = LogLevel.Information, Message = "SMTP session {SessionId}: TLS handshake failed ({Error})")]
    public static partial void TlsFailed(ILogger logger, string sessionId, string error);

    [LoggerMessage(EventId = 122, Level = LogLevel.Warning, Message = "SMTP session {SessionId}: discarded {Count} octets sent in plaintext after STARTTLS (RFC 3207 section 4.2)")]
    public static partial void PlaintextDiscarded(ILogger logger, string sessionId, long count);

    [LoggerMessage(EventId = 130, Level = LogLevel.Debug, Message = "SMTP session {SessionId}: {Verb} answered {Code} {Status} ({Reason})")]
    public static partial void CommandRefused(ILogger logger, string sessionId, string verb, int code, string? status, string? reason);

    [LoggerMessage(EventId = 131, Level = LogLevel.Information, Message = "SMTP session {SessionId}: message {TransactionId} accepted, {Size} octets for {RecipientCount} recipients at {RecipientDomains}")]
    public static partial void MessageAccepted(ILogger logger, string sessionId, string transactionId, long size, int recipientCount, string recipientDomains);

    [LoggerMessage(EventId = 132, Level = LogLevel.Information, Message = "SMTP session {SessionId}: message {TransactionId} refused with {Code} {Status} ({Reason}), {Size} octets")]
    public static partial void MessageRefused(ILogger logger, string sessionId, string transactionId, int code, string? status, string? reason, long size);

    [LoggerMessage(EventId = 133, Level = LogLevel.Information, Message = "SMTP session {SessionId}: MAIL refused with {Code} {Status} ({Reason})")]
    public static partial void MailRefused(ILogger logger, string sessionId, int code, string? status, string? reason);

    /// <summary>A refused recipient, named by its pseudonym (<see cref="LogPseudonym.Address"/>) so that lines about several can be told apart.</summary>
    public static void RecipientRefused(ILogger logger, string sessionId, string recipient, int code, string? status, string? reason)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LogRecipientRefused(logger, sessionId, LogPseudonym.Address(recipient), code, status, reason);
        }
    }

    [LoggerMessage(EventId = 134, Level = LogLevel.Debug, Message = "SMTP session {SessionId}: recipient {Recipient} refused with {Code} {Status} ({Reason})")]
    private static partial void LogRecipientRefused(ILogger logger, string sessionId, string recipient, int code, string? status, string? reason);

    [LoggerMessage(EventId = 135, Level = LogLevel.Error, Message = "SMTP session {SessionId}: the policy failed during {Verb}; answered 451 4.3.0")]
    public static partial void PolicyFailed(ILogger logger, string sessionId, string verb, Exception exception);

    [LoggerMessage(EventId = 140, Level = LogLevel.Debug, Message = "SMTP session {SessionId}: peer certificate {Subject} checked: {Outcome}")]
    public static partial void PeerChecked(ILogger logger, string sessionId, string? subject, string outcome);

    [LoggerMessage(EventId = 141, Level = LogLevel.Error, Message = "SMTP session {SessionId}: storing message {TransactionId} failed; answered 451 4.3.0")]
    public static partial void StorageFailed(ILogger logger, string sessionId, string transactionId, Exception exception);

    [LoggerMessage(EventId = 142, Level = LogLevel.Error, Message = "SMTP session {SessionId}: mailbox lookup failed; answered 451 4.3.0")]
    public static partial void LookupFailed(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(EventId = 143, Level = LogLevel.Error, Message = "SMTP session {SessionId}: message {TransactionId} stored, but its delivery report (NOTIFY=SUCCESS) could not be sent")]
    public static partial void SuccessReportFailed(ILogger logger, string sessionId, string transactionId, Exception exception);
}
