using OpenMss.Storage;

namespace OpenMss.Smtp.Protocol;

/// <summary>The SMTP commands the server knows (RFC 5321 §4.1.1, RFC 3207, RFC 4954, RFC 3030).</summary>
public enum SmtpVerb
{
    /// <summary>Not an SMTP command: answered <c>500 5.5.1</c>.</summary>
    Unknown = 0,
    Ehlo,
    Helo,
    Mail,
    Rcpt,
    Data,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Expn,
    Help,
    StartTls,

    /// <summary>RFC 4954; recognised so that the submission service can plug it in, answered 502 by the relay.</summary>
    Auth,

    /// <summary>RFC 3030 CHUNKING is not advertised; BDAT is answered 502.</summary>
    Bdat,
}

/// <summary>RFC 6152 / RFC 1652 <c>BODY=</c> parameter of MAIL FROM.</summary>
public enum SmtpBodyType
{
    Unspecified = 0,
    SevenBit,
    EightBitMime,
}

/// <summary>RFC 3461 §4.3 <c>RET=</c> parameter of MAIL FROM.</summary>
public enum DsnReturn
{
    Unspecified = 0,
    Full,
    Headers,
}

/// <summary>A parsed command line. Derived types carry the arguments of the commands that have some.</summary>
public abstract record SmtpCommand(SmtpVerb Verb);

/// <summary>A command whose argument, if any, is kept as text (NOOP, HELP, VRFY, AUTH…).</summary>
public sealed record SimpleCommand(SmtpVerb Verb, string? Argument = null) : SmtpCommand(Verb);

/// <summary>EHLO or HELO with the client's domain or address literal (RFC 5321 §4.1.1.1).</summary>
public sealed record HelloCommand(SmtpVerb Verb, string ClientName) : SmtpCommand(Verb)
{
    public bool IsExtended => Verb == SmtpVerb.Ehlo;
}

/// <summary>
/// <c>MAIL FROM:&lt;reverse-path&gt; [parameters]</c> (RFC 5321 §4.1.1.2).
/// <see cref="ReversePath"/> is <c>local@domain</c>, or empty for the null reverse-path <c>&lt;&gt;</c>;
/// a source route is dropped (RFC 5321 §4.1.1.2, Appendix C).
/// </summary>
public sealed record MailFromCommand(string ReversePath, MailParameters Parameters) : SmtpCommand(SmtpVerb.Mail)
{
    public bool IsNullSender => ReversePath.Length == 0;
}

/// <summary><c>RCPT TO:&lt;forward-path&gt; [parameters]</c> (RFC 5321 §4.1.1.3).</summary>
public sealed record RcptToCommand(string Recipient, RcptParameters Parameters) : SmtpCommand(SmtpVerb.Rcpt);

/// <summary>
/// ESMTP parameters of MAIL FROM: <c>SIZE</c> (RFC 1870), <c>BODY</c> (RFC 6152), <c>SMTPUTF8</c>
/// (RFC 6531), <c>RET</c> and <c>ENVID</c> (RFC 3461, ENVID already xtext-decoded).
/// </summary>
public sealed record MailParameters(
    long? Size = null,
    SmtpBodyType Body = SmtpBodyType.Unspecified,
    bool SmtpUtf8 = false,
    DsnReturn Return = DsnReturn.Unspecified,
    string? EnvelopeId = null)
{
    public static readonly MailParameters None = new();
}

/// <summary>
/// ESMTP parameters of RCPT TO (RFC 3461 §4.1–4.2): <c>NOTIFY</c> and <c>ORCPT</c>
/// (<see cref="OriginalRecipientType"/> such as <c>rfc822</c>, <see cref="OriginalRecipient"/> xtext-decoded).
/// </summary>
public sealed record RcptParameters(
    DsnNotify Notify = DsnNotify.Default,
    string? OriginalRecipientType = null,
    string? OriginalRecipient = null)
{
    public static readonly RcptParameters None = new();
}

/// <summary>The outcome of parsing one command line: the verb (known even when the arguments are wrong), and either the command or the reply to send.</summary>
public readonly record struct SmtpParseResult(SmtpVerb Verb, SmtpCommand? Command, SmtpReply? Error)
{
    public bool IsSuccess => Command is not null;

    public static SmtpParseResult Success(SmtpCommand command) => new(command.Verb, command, null);

    public static SmtpParseResult Failure(SmtpVerb verb, SmtpReply error) => new(verb, null, error);
}
