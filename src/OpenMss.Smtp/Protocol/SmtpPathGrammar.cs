using System.Text;
using OpenMss.Core.Text;

namespace OpenMss.Smtp.Protocol;

/// <summary>
/// The path and mailbox grammar of RFC 5321 §4.1.2 (<c>Path</c>, <c>Mailbox</c>, <c>Local-part</c>
/// with quoted strings, <c>Domain</c>, address literals, the ignored source route) with the
/// internationalised forms of RFC 6531 §3.3 (UTF-8 local parts and U-label domains under
/// <c>SMTPUTF8</c>), and the length limits of RFC 5321 §4.5.3.1. Used by
/// <see cref="SmtpCommandParser"/> for the MAIL and RCPT arguments.
/// </summary>
/// <remarks>Pure: no I/O, no state; errors come back as replies from <see cref="SmtpReplies"/>.</remarks>
internal static class SmtpPathGrammar
{
    /// <summary>RFC 5321 §4.5.3.1.3: maximum length of a path, angle brackets included.</summary>
    public const int MaxPathLength = 256;

    /// <summary>RFC 5321 §4.5.3.1.1.</summary>
    public const int MaxLocalPartLength = 64;

    /// <summary>RFC 5321 §4.5.3.1.2.</summary>
    public const int MaxDomainLength = 255;

    // Index of the '>' closing the path that starts at text[0], skipping '>' inside a quoted local
    // part; -1 when there is no well-formed "<...>".
    internal static int FindPathEnd(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty || text[0] != (byte)'<')
        {
            return -1;
        }

        var quoted = false;
        for (var i = 1; i < text.Length; i++)
        {
            var b = text[i];
            if (quoted)
            {
                if (b == (byte)'\\')
                {
                    i++;
                }
                else if (b == (byte)'"')
                {
                    quoted = false;
                }
            }
            else if (b == (byte)'"')
            {
                quoted = true;
            }
            else if (b == (byte)'>')
            {
                return i;
            }
            else if (b is (byte)'<' or (byte)' ')
            {
                return -1;
            }
        }

        return -1;
    }

    // Path = "<" [ A-d-l ":" ] Mailbox ">"; the source route (A-d-l) is checked and dropped.
    internal static SmtpReply? ParsePath(ReadOnlySpan<byte> path, bool utf8, SmtpReply syntaxError, out string address)
    {
        address = string.Empty;
        if (path.Length > MaxPathLength)
        {
            return SmtpReplies.PathTooLong;
        }

        var inner = path[1..^1];
        if (!inner.IsEmpty && inner[0] == (byte)'@')
        {
            var colon = inner.IndexOf((byte)':');
            if (colon < 0 || !IsSourceRoute(inner[..colon]))
            {
                return syntaxError;
            }

            inner = inner[(colon + 1)..];
        }

        var error = ValidateMailbox(inner, utf8, syntaxError);
        if (error is not null)
        {
            return error;
        }

        address = StrictUtf8.Decode(inner);
        return null;
    }

    // A-d-l = At-domain *( "," At-domain ); At-domain = "@" Domain
    private static bool IsSourceRoute(ReadOnlySpan<byte> route)
    {
        while (true)
        {
            if (route.IsEmpty || route[0] != (byte)'@')
            {
                return false;
            }

            var comma = route.IndexOf((byte)',');
            var domain = comma < 0 ? route[1..] : route[1..comma];
            if (!IsDomain(domain, utf8: false, out _))
            {
                return false;
            }

            if (comma < 0)
            {
                return true;
            }

            route = route[(comma + 1)..];
        }
    }

    // Mailbox = Local-part "@" ( Domain / address-literal )
    private static SmtpReply? ValidateMailbox(ReadOnlySpan<byte> mailbox, bool utf8, SmtpReply syntaxError)
    {
        if (mailbox.IsEmpty)
        {
            return syntaxError;
        }

        var nonAscii = false;
        int localEnd;
        if (mailbox[0] == (byte)'"')
        {
            localEnd = -1;
            for (var i = 1; i < mailbox.Length; i++)
            {
                var b = mailbox[i];
                if (b == (byte)'\\')
                {
                    // quoted-pairSMTP = %d92 %d32-126
                    if (i + 1 >= mailbox.Length || mailbox[i + 1] is < 32 or > 126)
                    {
                        return syntaxError;
                    }

                    i++;
                }
                else if (b == (byte)'"')
                {
                    localEnd = i + 1;
                    break;
                }
                else if (b >= 0x80)
                {
                    nonAscii = true;
                }
                else if (b is < 32 or > 126)
                {
                    return syntaxError;
                }
            }

            if (localEnd < 0)
            {
                return syntaxError;
            }
        }
        else
        {
            // Dot-string = Atom *("." Atom)
            localEnd = mailbox.IndexOf((byte)'@');
            if (localEnd <= 0)
            {
                return syntaxError;
            }

            var local = mailbox[..localEnd];
            if (local[0] == (byte)'.' || local[^1] == (byte)'.' || local.IndexOf(".."u8) >= 0)
            {
                return syntaxError;
            }

            foreach (var b in local)
            {
                if (b >= 0x80)
                {
                    nonAscii = true;
                }
                else if (b != (byte)'.' && !IsAtext(b, utf8: false))
                {
                    return syntaxError;
                }
            }
        }

        if (localEnd > MaxLocalPartLength)
        {
            return SmtpReplies.PathTooLong;
        }

        if (localEnd >= mailbox.Length || mailbox[localEnd] != (byte)'@')
        {
            return syntaxError;
        }

        var domain = mailbox[(localEnd + 1)..];
        if (domain.Length > MaxDomainLength)
        {
            return SmtpReplies.PathTooLong;
        }

        if (!domain.IsEmpty && domain[0] == (byte)'[')
        {
            if (!IsAddressLiteral(domain))
            {
                return syntaxError;
            }
        }
        else
        {
            if (!IsDomain(domain, utf8: true, out var domainNonAscii))
            {
                return syntaxError;
            }

            nonAscii |= domainNonAscii;
        }

        return nonAscii && !utf8 ? SmtpReplies.NonAsciiAddress : null;
    }

    // Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str], or a U-label (RFC 6531 §3.3).
    internal static bool IsDomain(ReadOnlySpan<byte> domain, bool utf8, out bool nonAscii)
    {
        nonAscii = false;
        if (domain.IsEmpty)
        {
            return false;
        }

        while (true)
        {
            var dot = domain.IndexOf((byte)'.');
            var label = dot < 0 ? domain : domain[..dot];
            if (label.IsEmpty || label.Length > 63 || label[0] == (byte)'-' || label[^1] == (byte)'-')
            {
                return false;
            }

            foreach (var b in label)
            {
                if (b >= 0x80 && utf8)
                {
                    nonAscii = true;
                }
                else if (!IsAsciiLetterOrDigit(b) && b != (byte)'-')
                {
                    return false;
                }
            }

            if (dot < 0)
            {
                return true;
            }

            domain = domain[(dot + 1)..];
        }
    }

    // address-literal = "[" ( IPv4 / IPv6 / General-address-literal ) "]"; dcontent = %d33-90 / %d94-126
    private static bool IsAddressLiteral(ReadOnlySpan<byte> literal)
    {
        if (literal.Length < 3 || literal[0] != (byte)'[' || literal[^1] != (byte)']')
        {
            return false;
        }

        foreach (var b in literal[1..^1])
        {
            if (b is < 33 or > 126 or (byte)'[' or (byte)'\\' or (byte)']')
            {
                return false;
            }
        }

        return true;
    }

    // atext (RFC 5322 §3.2.3), extended with UTF-8 non-ASCII under SMTPUTF8 (RFC 6532 §3.2).
    internal static bool IsAtext(byte b, bool utf8)
        => IsAsciiLetterOrDigit(b)
           || b is (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*'
               or (byte)'+' or (byte)'-' or (byte)'/' or (byte)'=' or (byte)'?' or (byte)'^' or (byte)'_'
               or (byte)'`' or (byte)'{' or (byte)'|' or (byte)'}' or (byte)'~'
           || (utf8 && b >= 0x80);

    internal static bool IsAsciiLetterOrDigit(byte b) => b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9';
}
