using System.Text;
using OpenMss.Storage;
using OpenMss.Core.Text;

namespace OpenMss.Smtp.Protocol;

/// <summary>
/// Parses one SMTP command line (without its CRLF) into an <see cref="SmtpCommand"/>, following the
/// grammar of RFC 5321 §4.1 (paths with quoted local parts and ignored source routes, the null
/// reverse-path) and the ESMTP parameters the server advertises: <c>SIZE</c> (RFC 1870),
/// <c>BODY</c> (RFC 6152), <c>SMTPUTF8</c> (RFC 6531), <c>RET</c>/<c>ENVID</c>/<c>NOTIFY</c>/<c>ORCPT</c> (RFC 3461).
/// </summary>
/// <remarks>
/// Pure and allocation-light: no I/O, no state. Errors come back as replies from
/// <see cref="SmtpReplies"/>; the verb is reported even when the arguments are wrong so that the
/// session can answer a command out of sequence with 503 before judging its syntax.
/// Line length is the session's business (it never hands over more than the limit).
/// </remarks>
public static class SmtpCommandParser
{
    /// <summary>RFC 5321 §4.5.3.1.3: maximum length of a path, angle brackets included.</summary>
    public const int MaxPathLength = SmtpPathGrammar.MaxPathLength;

    /// <summary>RFC 5321 §4.5.3.1.1.</summary>
    public const int MaxLocalPartLength = SmtpPathGrammar.MaxLocalPartLength;

    /// <summary>RFC 5321 §4.5.3.1.2.</summary>
    public const int MaxDomainLength = SmtpPathGrammar.MaxDomainLength;

    /// <summary>RFC 3461 §4.4: an ENVID is at most 100 characters.</summary>
    public const int MaxEnvelopeIdLength = 100;

    /// <summary>RFC 3461 §4.2: an ORCPT value is at most 500 characters.</summary>
    public const int MaxOriginalRecipientLength = 500;

    /// <summary>Parses <paramref name="line"/>.</summary>
    /// <param name="line">The command line without CRLF.</param>
    /// <param name="smtpUtf8Transaction">
    /// True when the current transaction's MAIL FROM carried <c>SMTPUTF8</c>: RCPT may then use
    /// non-ASCII addresses (RFC 6531 §3.4). MAIL decides this from its own parameters.
    /// </param>
    public static SmtpParseResult Parse(ReadOnlySpan<byte> line, bool smtpUtf8Transaction = false)
    {
        line = TrimTrailingSpaces(line);
        var space = line.IndexOf((byte)' ');
        var verbText = space < 0 ? line : line[..space];
        var verb = ParseVerb(verbText);
        if (verb == SmtpVerb.Unknown)
        {
            return SmtpParseResult.Failure(SmtpVerb.Unknown, SmtpReplies.CommandUnrecognized);
        }

        var rest = space < 0 ? ReadOnlySpan<byte>.Empty : TrimLeadingSpaces(line[(space + 1)..]);
        if (!IsValidText(rest))
        {
            return SmtpParseResult.Failure(verb, SmtpReplies.InvalidCharacters);
        }

        return verb switch
        {
            SmtpVerb.Ehlo or SmtpVerb.Helo => ParseHello(verb, rest),
            SmtpVerb.Mail => ParseMail(rest),
            SmtpVerb.Rcpt => ParseRcpt(rest, smtpUtf8Transaction),
            SmtpVerb.Data or SmtpVerb.Rset or SmtpVerb.Quit or SmtpVerb.StartTls => rest.IsEmpty
                ? SmtpParseResult.Success(new SimpleCommand(verb))
                : SmtpParseResult.Failure(verb, SmtpReplies.NoArgumentsAllowed),
            SmtpVerb.Vrfy or SmtpVerb.Expn => rest.IsEmpty
                ? SmtpParseResult.Failure(verb, SmtpReplies.SyntaxError)
                : SmtpParseResult.Success(new SimpleCommand(verb, StrictUtf8.Decode(rest))),
            _ => SmtpParseResult.Success(new SimpleCommand(verb, rest.IsEmpty ? null : StrictUtf8.Decode(rest))),
        };
    }

    /// <summary>Recognises the verb of a command line (case-insensitive), <see cref="SmtpVerb.Unknown"/> otherwise.</summary>
    public static SmtpVerb ParseVerb(ReadOnlySpan<byte> verb)
    {
        if (verb.Length == 4)
        {
            if (Ascii.EqualsIgnoreCase(verb, "MAIL"u8)) return SmtpVerb.Mail;
            if (Ascii.EqualsIgnoreCase(verb, "RCPT"u8)) return SmtpVerb.Rcpt;
            if (Ascii.EqualsIgnoreCase(verb, "DATA"u8)) return SmtpVerb.Data;
            if (Ascii.EqualsIgnoreCase(verb, "EHLO"u8)) return SmtpVerb.Ehlo;
            if (Ascii.EqualsIgnoreCase(verb, "HELO"u8)) return SmtpVerb.Helo;
            if (Ascii.EqualsIgnoreCase(verb, "RSET"u8)) return SmtpVerb.Rset;
            if (Ascii.EqualsIgnoreCase(verb, "NOOP"u8)) return SmtpVerb.Noop;
            if (Ascii.EqualsIgnoreCase(verb, "QUIT"u8)) return SmtpVerb.Quit;
            if (Ascii.EqualsIgnoreCase(verb, "VRFY"u8)) return SmtpVerb.Vrfy;
            if (Ascii.EqualsIgnoreCase(verb, "EXPN"u8)) return SmtpVerb.Expn;
            if (Ascii.EqualsIgnoreCase(verb, "HELP"u8)) return SmtpVerb.Help;
            if (Ascii.EqualsIgnoreCase(verb, "AUTH"u8)) return SmtpVerb.Auth;
            if (Ascii.EqualsIgnoreCase(verb, "BDAT"u8)) return SmtpVerb.Bdat;
        }
        else if (verb.Length == 8 && Ascii.EqualsIgnoreCase(verb, "STARTTLS"u8))
        {
            return SmtpVerb.StartTls;
        }

        return SmtpVerb.Unknown;
    }

    // ---- EHLO / HELO ------------------------------------------------------------------------

    private static SmtpParseResult ParseHello(SmtpVerb verb, ReadOnlySpan<byte> rest)
    {
        // Only the first word counts: some clients append a comment, which RFC 5321 does not
        // allow but which harms nothing once dropped.
        var space = rest.IndexOf((byte)' ');
        var name = space < 0 ? rest : rest[..space];
        if (name.IsEmpty || name.Length > MaxDomainLength || !IsHelloName(name))
        {
            return SmtpParseResult.Failure(verb, SmtpReplies.HelloDomainRequired);
        }

        return SmtpParseResult.Success(new HelloCommand(verb, Encoding.ASCII.GetString(name)));
    }

    // A domain (letters, digits, hyphens, dots; underscores tolerated as many hosts use them) or an
    // address literal. The name ends up in the Received header, so nothing else may pass.
    private static bool IsHelloName(ReadOnlySpan<byte> name)
    {
        if (name[0] == (byte)'[')
        {
            if (name.Length < 3 || name[^1] != (byte)']')
            {
                return false;
            }

            foreach (var b in name[1..^1])
            {
                if (!(SmtpPathGrammar.IsAsciiLetterOrDigit(b) || b is (byte)'.' or (byte)':' or (byte)'-'))
                {
                    return false;
                }
            }

            return true;
        }

        foreach (var b in name)
        {
            if (!(SmtpPathGrammar.IsAsciiLetterOrDigit(b) || b is (byte)'.' or (byte)'-' or (byte)'_'))
            {
                return false;
            }
        }

        return true;
    }

    // ---- MAIL FROM --------------------------------------------------------------------------

    private static SmtpParseResult ParseMail(ReadOnlySpan<byte> rest)
    {
        if (rest.Length < 5 || !Ascii.EqualsIgnoreCase(rest[..5], "FROM:"u8))
        {
            return SmtpParseResult.Failure(SmtpVerb.Mail, SmtpReplies.SyntaxError);
        }

        // "MAIL FROM: <x>" is not RFC 5321 but common; the space is tolerated.
        var arguments = TrimLeadingSpaces(rest[5..]);
        var pathEnd = SmtpPathGrammar.FindPathEnd(arguments);
        if (pathEnd < 0)
        {
            return SmtpParseResult.Failure(SmtpVerb.Mail, SmtpReplies.BadSenderSyntax);
        }

        var path = arguments[..(pathEnd + 1)];
        var parameterText = arguments[(pathEnd + 1)..];
        if (!parameterText.IsEmpty && parameterText[0] != (byte)' ')
        {
            return SmtpParseResult.Failure(SmtpVerb.Mail, SmtpReplies.BadSenderSyntax);
        }

        var parametersError = ParseMailParameters(TrimLeadingSpaces(parameterText), out var parameters);
        if (parametersError is not null)
        {
            return SmtpParseResult.Failure(SmtpVerb.Mail, parametersError);
        }

        if (path.Length == 2)
        {
            return SmtpParseResult.Success(new MailFromCommand(string.Empty, parameters));
        }

        var error = SmtpPathGrammar.ParsePath(path, parameters.SmtpUtf8, SmtpReplies.BadSenderSyntax, out var address);
        return error is null
            ? SmtpParseResult.Success(new MailFromCommand(address, parameters))
            : SmtpParseResult.Failure(SmtpVerb.Mail, error);
    }

    private const int ParamSize = 1, ParamBody = 2, ParamSmtpUtf8 = 4, ParamRet = 8, ParamEnvId = 16, ParamNotify = 32, ParamOrcpt = 64;

    private static SmtpReply? ParseMailParameters(ReadOnlySpan<byte> text, out MailParameters parameters)
    {
        parameters = MailParameters.None;
        if (text.IsEmpty)
        {
            return null;
        }

        long? size = null;
        var body = SmtpBodyType.Unspecified;
        var utf8 = false;
        var ret = DsnReturn.Unspecified;
        string? envelopeId = null;
        var seen = 0;

        // SMTPUTF8 may follow a parameter whose value has UTF-8 in it, so look for it first.
        var allowUtf8Values = ContainsKeyword(text, "SMTPUTF8"u8);

        while (!text.IsEmpty)
        {
            var error = NextParameter(ref text, allowUtf8Values, out var keyword, out var value, out var hasValue);
            if (error is not null)
            {
                return error;
            }

            int flag;
            if (Ascii.EqualsIgnoreCase(keyword, "SIZE"u8))
            {
                flag = ParamSize;
                if (!hasValue || !TryParseSize(value, out var declared))
                {
                    return SmtpReplies.InvalidParameterValue;
                }

                size = declared;
            }
            else if (Ascii.EqualsIgnoreCase(keyword, "BODY"u8))
            {
                flag = ParamBody;
                if (hasValue && Ascii.EqualsIgnoreCase(value, "7BIT"u8))
                {
                    body = SmtpBodyType.SevenBit;
                }
                else if (hasValue && Ascii.EqualsIgnoreCase(value, "8BITMIME"u8))
                {
                    body = SmtpBodyType.EightBitMime;
                }
                else if (hasValue && Ascii.EqualsIgnoreCase(value, "BINARYMIME"u8))
                {
                    // RFC 3030 BINARYMIME needs CHUNKING, which is not advertised.
                    return SmtpReplies.ParameterNotRecognized;
                }
                else
                {
                    return SmtpReplies.InvalidParameterValue;
                }
            }
            else if (Ascii.EqualsIgnoreCase(keyword, "SMTPUTF8"u8))
            {
                flag = ParamSmtpUtf8;
                if (hasValue)
                {
                    return SmtpReplies.InvalidParameterValue;
                }

                utf8 = true;
            }
            else if (Ascii.EqualsIgnoreCase(keyword, "RET"u8))
            {
                flag = ParamRet;
                if (hasValue && Ascii.EqualsIgnoreCase(value, "FULL"u8))
                {
                    ret = DsnReturn.Full;
                }
                else if (hasValue && Ascii.EqualsIgnoreCase(value, "HDRS"u8))
                {
                    ret = DsnReturn.Headers;
                }
                else
                {
                    return SmtpReplies.InvalidParameterValue;
                }
            }
            else if (Ascii.EqualsIgnoreCase(keyword, "ENVID"u8))
            {
                flag = ParamEnvId;
                if (!hasValue || value.Length > MaxEnvelopeIdLength || !Xtext.TryDecode(value, out var decoded))
                {
                    return SmtpReplies.InvalidParameterValue;
                }

                envelopeId = decoded;
            }
            else
            {
                return SmtpReplies.ParameterNotRecognized;
            }

            if ((seen & flag) != 0)
            {
                return SmtpReplies.DuplicateParameter;
            }

            seen |= flag;
        }

        parameters = new MailParameters(size, body, utf8, ret, envelopeId);
        return null;
    }

    private static bool TryParseSize(ReadOnlySpan<byte> value, out long size)
    {
        size = 0;
        if (value.IsEmpty || value.Length > 20)
        {
            return false;
        }

        foreach (var b in value)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            // A declared size beyond long is beyond any limit: saturate rather than refuse the syntax.
            size = size > (long.MaxValue - 9) / 10 ? long.MaxValue : (size * 10) + (b - '0');
        }

        return true;
    }

    // ---- RCPT TO ----------------------------------------------------------------------------

    private static SmtpParseResult ParseRcpt(ReadOnlySpan<byte> rest, bool smtpUtf8)
    {
        if (rest.Length < 3 || !Ascii.EqualsIgnoreCase(rest[..3], "TO:"u8))
        {
            return SmtpParseResult.Failure(SmtpVerb.Rcpt, SmtpReplies.SyntaxError);
        }

        var arguments = TrimLeadingSpaces(rest[3..]);
        var pathEnd = SmtpPathGrammar.FindPathEnd(arguments);
        if (pathEnd < 0)
        {
            return SmtpParseResult.Failure(SmtpVerb.Rcpt, SmtpReplies.BadRecipientSyntax);
        }

        var path = arguments[..(pathEnd + 1)];
        var parameterText = arguments[(pathEnd + 1)..];
        if (!parameterText.IsEmpty && parameterText[0] != (byte)' ')
        {
            return SmtpParseResult.Failure(SmtpVerb.Rcpt, SmtpReplies.BadRecipientSyntax);
        }

        var parametersError = ParseRcptParameters(TrimLeadingSpaces(parameterText), smtpUtf8, out var parameters);
        if (parametersError is not null)
        {
            return SmtpParseResult.Failure(SmtpVerb.Rcpt, parametersError);
        }

        // RFC 5321 §4.1.1.3: "<Postmaster>" without a domain must be accepted.
        if (Ascii.EqualsIgnoreCase(path, "<Postmaster>"u8))
        {
            return SmtpParseResult.Success(new RcptToCommand("Postmaster", parameters));
        }

        if (path.Length == 2)
        {
            return SmtpParseResult.Failure(SmtpVerb.Rcpt, SmtpReplies.BadRecipientSyntax);
        }

        var error = SmtpPathGrammar.ParsePath(path, smtpUtf8, SmtpReplies.BadRecipientSyntax, out var address);
        return error is null
            ? SmtpParseResult.Success(new RcptToCommand(address, parameters))
            : SmtpParseResult.Failure(SmtpVerb.Rcpt, error);
    }

    private static SmtpReply? ParseRcptParameters(ReadOnlySpan<byte> text, bool smtpUtf8, out RcptParameters parameters)
    {
        parameters = RcptParameters.None;
        if (text.IsEmpty)
        {
            return null;
        }

        var notify = DsnNotify.Default;
        string? originalType = null;
        string? original = null;
        var seen = 0;
        while (!text.IsEmpty)
        {
            var error = NextParameter(ref text, smtpUtf8, out var keyword, out var value, out var hasValue);
            if (error is not null)
            {
                return error;
            }

            int flag;
            if (Ascii.EqualsIgnoreCase(keyword, "NOTIFY"u8))
            {
                flag = ParamNotify;
                if (!hasValue || !TryParseNotify(value, out notify))
                {
                    return SmtpReplies.InvalidParameterValue;
                }
            }
            else if (Ascii.EqualsIgnoreCase(keyword, "ORCPT"u8))
            {
                flag = ParamOrcpt;
                var semicolon = value.IndexOf((byte)';');
                if (!hasValue || semicolon <= 0 || value.Length - semicolon - 1 > MaxOriginalRecipientLength)
                {
                    return SmtpReplies.InvalidParameterValue;
                }

                var type = value[..semicolon];
                foreach (var b in type)
                {
                    if (!SmtpPathGrammar.IsAtext(b, utf8: false))
                    {
                        return SmtpReplies.InvalidParameterValue;
                    }
                }

                var encoded = value[(semicolon + 1)..];
                if (encoded.IsEmpty || !Xtext.TryDecode(encoded, out var decoded))
                {
                    return SmtpReplies.InvalidParameterValue;
                }

                originalType = Encoding.ASCII.GetString(type);
                original = decoded;
            }
            else
            {
                return SmtpReplies.ParameterNotRecognized;
            }

            if ((seen & flag) != 0)
            {
                return SmtpReplies.DuplicateParameter;
            }

            seen |= flag;
        }

        parameters = new RcptParameters(notify, originalType, original);
        return null;
    }

    // RFC 3461 §4.1: "NEVER" alone, or a comma-separated list of SUCCESS, FAILURE, DELAY.
    private static bool TryParseNotify(ReadOnlySpan<byte> value, out DsnNotify notify)
    {
        notify = DsnNotify.Default;
        if (Ascii.EqualsIgnoreCase(value, "NEVER"u8))
        {
            notify = DsnNotify.Never;
            return true;
        }

        while (true)
        {
            var comma = value.IndexOf((byte)',');
            var item = comma < 0 ? value : value[..comma];
            if (Ascii.EqualsIgnoreCase(item, "SUCCESS"u8))
            {
                notify |= DsnNotify.Success;
            }
            else if (Ascii.EqualsIgnoreCase(item, "FAILURE"u8))
            {
                notify |= DsnNotify.Failure;
            }
            else if (Ascii.EqualsIgnoreCase(item, "DELAY"u8))
            {
                notify |= DsnNotify.Delay;
            }
            else
            {
                notify = DsnNotify.Default;
                return false;
            }

            if (comma < 0)
            {
                return true;
            }

            value = value[(comma + 1)..];
        }
    }

    // ---- ESMTP parameters (RFC 5321 §4.1.2) ---------------------------------------------------

    // esmtp-param = esmtp-keyword ["=" esmtp-value]; keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-");
    // value = 1*(%d33-60 / %d62-126), plus UTF-8 under SMTPUTF8 (RFC 6531 §3.3).
    private static SmtpReply? NextParameter(ref ReadOnlySpan<byte> text, bool utf8, out ReadOnlySpan<byte> keyword, out ReadOnlySpan<byte> value, out bool hasValue)
    {
        var space = text.IndexOf((byte)' ');
        var parameter = space < 0 ? text : text[..space];
        text = space < 0 ? ReadOnlySpan<byte>.Empty : TrimLeadingSpaces(text[(space + 1)..]);

        var equals = parameter.IndexOf((byte)'=');
        keyword = equals < 0 ? parameter : parameter[..equals];
        value = equals < 0 ? ReadOnlySpan<byte>.Empty : parameter[(equals + 1)..];
        hasValue = equals >= 0;
        if (keyword.IsEmpty || !SmtpPathGrammar.IsAsciiLetterOrDigit(keyword[0]))
        {
            return SmtpReplies.SyntaxError;
        }

        foreach (var b in keyword)
        {
            if (!SmtpPathGrammar.IsAsciiLetterOrDigit(b) && b != (byte)'-')
            {
                return SmtpReplies.SyntaxError;
            }
        }

        if (hasValue)
        {
            if (value.IsEmpty)
            {
                return SmtpReplies.InvalidParameterValue;
            }

            foreach (var b in value)
            {
                var ok = b is >= 33 and <= 126 && b != (byte)'=' || (utf8 && b >= 0x80);
                if (!ok)
                {
                    return SmtpReplies.InvalidParameterValue;
                }
            }
        }

        return null;
    }

    private static bool ContainsKeyword(ReadOnlySpan<byte> text, ReadOnlySpan<byte> keyword)
    {
        while (!text.IsEmpty)
        {
            var space = text.IndexOf((byte)' ');
            var parameter = space < 0 ? text : text[..space];
            if (Ascii.EqualsIgnoreCase(parameter, keyword))
            {
                return true;
            }

            text = space < 0 ? ReadOnlySpan<byte>.Empty : text[(space + 1)..];
        }

        return false;
    }

    // ---- Characters -------------------------------------------------------------------------

    // Everything after the verb: no control characters, and well-formed UTF-8 if not ASCII.
    private static bool IsValidText(ReadOnlySpan<byte> text)
    {
        var ascii = true;
        foreach (var b in text)
        {
            if (b < 0x20 || b == 0x7F)
            {
                return false;
            }

            if (b >= 0x80)
            {
                ascii = false;
            }
        }

        return ascii || System.Text.Unicode.Utf8.IsValid(text);
    }

    private static ReadOnlySpan<byte> TrimLeadingSpaces(ReadOnlySpan<byte> text)
    {
        var i = 0;
        while (i < text.Length && text[i] == (byte)' ')
        {
            i++;
        }

        return text[i..];
    }

    private static ReadOnlySpan<byte> TrimTrailingSpaces(ReadOnlySpan<byte> text)
    {
        var end = text.Length;
        while (end > 0 && text[end - 1] == (byte)' ')
        {
            end--;
        }

        return text[..end];
    }
}
