using Microsoft.Extensions.Logging;
using OpenMss.Core.Privacy;

namespace OpenMss.Smtp.Inbound.Submission;

/// <summary>Log events of the submission service: never a password, a token, a subject or content.</summary>
internal static partial class SubmissionLog
{
    /// <summary>An authentication, naming a professional by idNat_PS and anyone else (a patient, an application) by pseudonym (<see cref="LogPseudonym.Actor"/>).</summary>
    public static void Authenticated(ILogger logger, string sessionId, string mechanism, string actor, string result) =>
        LogAuthenticated(logger, sessionId, mechanism, LogPseudonym.Actor(actor), result);

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Submission session {SessionId}: {Mechanism} authentication of {Actor} {Result}")]
    private static partial void LogAuthenticated(ILogger logger, string sessionId, string mechanism, string actor, string result);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Submission session {SessionId}: authentication locked out for {RetryAfter} (too many failures)")]
    public static partial void RateLimited(ILogger logger, string sessionId, TimeSpan retryAfter);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "Submission session {SessionId}: the authenticator failed")]
    public static partial void AuthenticatorFailed(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "Submission session {SessionId}: message {TransactionId} could not be submitted; answered 451 4.3.0")]
    public static partial void SubmitFailed(ILogger logger, string sessionId, string transactionId, Exception exception);

    [LoggerMessage(EventId = 204, Level = LogLevel.Error, Message = "Submission session {SessionId}: message {TransactionId} was submitted but its Sent copy could not be stored")]
    public static partial void SentCopyFailed(ILogger logger, string sessionId, string transactionId, Exception exception);

    [LoggerMessage(EventId = 206, Level = LogLevel.Debug, Message = "Submission session {SessionId}: malformed {Mechanism} response ({Error})")]
    public static partial void MalformedResponse(ILogger logger, string sessionId, string mechanism, string error);

    // The login as typed is not logged: it may be a patient's INS, or a password typed in the wrong
    // field. The audit trail, where access is restricted, keeps it for lockout investigations.
    [LoggerMessage(EventId = 207, Level = LogLevel.Information, Message = "Submission session {SessionId}: {Mechanism} authentication failed (the login is in the audit trail)")]
    public static partial void AuthenticationFailed(ILogger logger, string sessionId, string mechanism);

    [LoggerMessage(EventId = 208, Level = LogLevel.Error, Message = "Submission session {SessionId}: an acceptance check could not read the store; answered 451 4.3.0")]
    public static partial void LookupFailed(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(EventId = 205, Level = LogLevel.Error, Message = "Submission session {SessionId}: writing the audit trail failed")]
    public static partial void AuditFailed(ILogger logger, string sessionId, Exception exception);
}
