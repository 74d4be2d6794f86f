namespace OpenMss.Smtp.Protocol;

/// <summary>Size limits of the SMTP command stream (RFC 5321 §4.5.3.1 and the extensions that raise them).</summary>
public static class SmtpLimits
{
    /// <summary>RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF.</summary>
    public const int CommandLine = 512;

    /// <summary>MAIL FROM may be longer: +26 for SIZE (RFC 1870 §3), +110 for RET and ENVID (RFC 3461 §4).</summary>
    public const int MailCommandLine = CommandLine + 26 + 110;

    /// <summary>RCPT TO may be longer: +500 for NOTIFY and ORCPT (RFC 3461 §4).</summary>
    public const int RcptCommandLine = CommandLine + 500;

    /// <summary>RFC 4954 §4: an AUTH command or SASL response line may be 12288 octets (bearer tokens are long).</summary>
    public const int AuthLine = 12288;

    /// <summary>The longest command line of any kind: beyond it, input without CRLF is discarded unread.</summary>
    public const int MaxCommandLine = AuthLine;

    /// <summary>The limit for a line starting with <paramref name="start"/> (its first octets, CRLF included in the count).</summary>
    public static int ForLine(ReadOnlySpan<byte> start)
    {
        if (start.Length >= 4)
        {
            var verb = start[..4];
            if (System.Text.Ascii.EqualsIgnoreCase(verb, "MAIL"u8))
            {
                return MailCommandLine;
            }

            if (System.Text.Ascii.EqualsIgnoreCase(verb, "RCPT"u8))
            {
                return RcptCommandLine;
            }

            if (System.Text.Ascii.EqualsIgnoreCase(verb, "AUTH"u8))
            {
                return AuthLine;
            }
        }

        return CommandLine;
    }
}
