namespace OpenMss.Imap.Protocol;

/// <summary>
/// The texts of the server's <c>NO</c>/<c>BAD</c>/<c>BYE</c> replies, with their RFC 5530 response
/// codes, in one place (as SmtpServer keeps its reply catalogue).
/// </summary>
public static class ImapReplies
{
    public const string NoSuchMailbox = "[NONEXISTENT] No such mailbox";
    public const string TryCreate = "[TRYCREATE] No such mailbox";
    public const string ReadOnly = "[READ-ONLY] Mailbox is read-only";
    public const string LoginNeedsTls = "[PRIVACYREQUIRED] LOGIN is only allowed over TLS";
    public const string AuthenticateNeedsTls = "[PRIVACYREQUIRED] Authentication is only allowed over TLS";
    public const string PasswordsDisabled = "[AUTHENTICATIONFAILED] Password login is disabled; use an access token";
    public const string AuthenticationFailed = "[AUTHENTICATIONFAILED] Invalid credentials";
    public const string TooManyFailures = "[UNAVAILABLE] Too many failed attempts; try again later";
    public const string NoMailboxForIdentity = "[AUTHORIZATIONFAILED] No such mailbox";
    public const string UnsupportedMechanism = "Unsupported authentication mechanism";
    public const string CannotDelete = "[CANNOT] This mailbox cannot be deleted";
    public const string CannotRename = "[CANNOT] This mailbox cannot be renamed";
    public const string InvalidName = "[CANNOT] Invalid mailbox name";
    public const string AlreadyExists = "[ALREADYEXISTS] Mailbox exists";
    public const string RenameTargetExists = "[ALREADYEXISTS] Target mailbox exists or the mailbox cannot be renamed";
    public const string BadCharset = "[BADCHARSET (UTF-8 US-ASCII)] Only UTF-8 and US-ASCII are supported";
    public const string LiteralTooBig = "[TOOBIG] Literal too large";
    public const string LineTooLong = "Line too long";
    public const string LogInFirst = "Log in first";
    public const string WrongState = "Command not allowed in this state";
    public const string UnknownCommand = "Unknown command";
    public const string AccessWithdrawn = "Access to this mailbox has been withdrawn";
    public const string Autologout = "Autologout; idle for too long";
    public const string TooManyInvalidCommands = "Too many invalid commands";
    public const string ShuttingDown = "Server shutting down";
    public const string TooManyConnections = "Too many connections, try again later";
}
