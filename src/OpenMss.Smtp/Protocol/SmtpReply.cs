using System.Buffers;
using System.Text;
using OpenMss.Core.Text;

namespace OpenMss.Smtp.Protocol;

/// <summary>
/// One SMTP reply: a three-digit code (RFC 5321 §4.2), an enhanced status code (RFC 3463, as
/// advertised by <c>ENHANCEDSTATUSCODES</c>, RFC 2034) and one or more text lines. Multi-line
/// replies are written <c>250-first</c> … <c>250 last</c> (RFC 5321 §4.2.1).
/// </summary>
/// <remarks>
/// Replies are values, built once in <see cref="SmtpReplies"/> and encoded to bytes once, so
/// that answering a command allocates nothing. <see cref="Reason"/> is a short machine-readable
/// tag used as a metrics label and in logs; it never reaches the wire.
/// </remarks>
public sealed class SmtpReply
{
    private byte[]? _encoded;

    public SmtpReply(int code, string? enhancedStatus, string text, string? reason = null)
        : this(code, enhancedStatus, [text], reason)
    {
    }

    public SmtpReply(int code, string? enhancedStatus, IReadOnlyList<string> lines, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (code is < 200 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "SMTP reply codes are 2xx to 5xx.");
        }

        if (lines.Count == 0)
        {
            throw new ArgumentException("A reply has at least one line.", nameof(lines));
        }

        Code = code;
        EnhancedStatus = enhancedStatus;
        var safe = new string[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            safe[i] = Sanitize(lines[i]);
        }

        Lines = safe;
        Reason = reason;
    }

    /// <summary>The three-digit reply code, e.g. 550.</summary>
    public int Code { get; }

    /// <summary>The RFC 3463 enhanced status code, e.g. <c>5.1.1</c>, or null (greeting, 354).</summary>
    public string? EnhancedStatus { get; }

    /// <summary>The text lines, without code or CRLF.</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <summary>A short tag for metrics and logs (<c>relay_denied</c>, <c>size</c>…), never sent.</summary>
    public string? Reason { get; }

    /// <summary>2xx or 3xx.</summary>
    public bool IsPositive => Code < 400;

    /// <summary>4xx: the client may try again later.</summary>
    public bool IsTransientFailure => Code is >= 400 and < 500;

    /// <summary>5xx: the client must not repeat the same request.</summary>
    public bool IsPermanentFailure => Code >= 500;

    /// <summary>The same code and status with another text (e.g. a validator's failure text).</summary>
    public SmtpReply WithText(string text) => new(Code, EnhancedStatus, [text], Reason);

    /// <summary>The same reply with another metrics reason.</summary>
    public SmtpReply WithReason(string reason) => new(Code, EnhancedStatus, Lines, reason);

    /// <summary>The reply as it goes on the wire, CRLF-terminated lines.</summary>
    public ReadOnlySpan<byte> Encoded => _encoded ??= Encode();

    /// <summary>Writes the reply, as it goes on the wire, to <paramref name="writer"/>.</summary>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var bytes = Encoded;
        var span = writer.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        writer.Advance(bytes.Length);
    }

    /// <summary>The first line with code and status, for logs and assertions (no CRLF).</summary>
    public override string ToString()
        => EnhancedStatus is null ? $"{Code} {Lines[0]}" : $"{Code} {EnhancedStatus} {Lines[0]}";

    private byte[] Encode()
    {
        var builder = new StringBuilder();
        for (var i = 0; i < Lines.Count; i++)
        {
            builder.Append(Code);
            builder.Append(i == Lines.Count - 1 ? ' ' : '-');
            if (EnhancedStatus is not null)
            {
                builder.Append(EnhancedStatus).Append(' ');
            }

            builder.Append(Lines[i]).Append("\r\n");
        }

        return StrictUtf8.GetBytes(builder.ToString());
    }

    // A reply line must never carry CR or LF (it would forge further replies) nor other control
    // characters; texts come partly from elsewhere (a validator's message), so they are cleaned here.
    private static string Sanitize(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var clean = true;
        foreach (var c in line)
        {
            if (char.IsControl(c))
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return line;
        }

        var chars = line.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsControl(chars[i]))
            {
                chars[i] = ' ';
            }
        }

        return new string(chars);
    }
}
