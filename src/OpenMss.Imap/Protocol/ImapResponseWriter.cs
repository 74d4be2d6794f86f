using System.Buffers;
using System.Globalization;
using System.Text;
using MimeKit;
using MimeKit.Utils;
using OpenMss.Storage;
using OpenMss.Core.Text;

namespace OpenMss.Imap.Protocol;

/// <summary>
/// Builds server responses (RFC 3501 §7, formal syntax §9): atoms, quoted strings or literals
/// as the content requires, NIL, ENVELOPE and BODYSTRUCTURE. It only fills a buffer; the
/// session writes it out.
/// </summary>
public sealed class ImapResponseWriter
{
    private readonly ArrayBufferWriter<byte> buffer = new(4096);

    /// <summary>MIME output with CRLF line ends whatever the platform: IMAP sizes count CRLF.</summary>
    internal static FormatOptions Crlf { get; } = CreateCrlf();

    private static FormatOptions CreateCrlf()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }

    public ReadOnlyMemory<byte> WrittenMemory => buffer.WrittenMemory;

    public int Length => buffer.WrittenCount;

    public void Clear() => buffer.ResetWrittenCount();

    public ImapResponseWriter Raw(string ascii)
    {
        var span = buffer.GetSpan(StrictUtf8.Encoding.GetMaxByteCount(ascii.Length));
        var written = StrictUtf8.Encoding.GetBytes(ascii, span);
        buffer.Advance(written);
        return this;
    }

    public ImapResponseWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        buffer.Write(bytes);
        return this;
    }

    public ImapResponseWriter Number(long value) => Raw(value.ToString(CultureInfo.InvariantCulture));

    public ImapResponseWriter Space() => Raw(" ");

    public ImapResponseWriter EndLine() => Raw("\r\n");

    /// <summary>A complete line: <c>text</c> followed by CRLF.</summary>
    public ImapResponseWriter Line(string text) => Raw(text).EndLine();

    /// <summary>A string: quoted when it is short 7-bit text without CR/LF, a literal otherwise.</summary>
    public ImapResponseWriter String(string value)
    {
        if (value.Length <= 1024 && value.All(c => c >= 0x20 && c < 0x7f))
        {
            // Written straight into the buffer: ENVELOPE of 1:* writes millions of these characters.
            var span = buffer.GetSpan((value.Length * 2) + 2);
            var n = 0;
            span[n++] = (byte)'"';
            foreach (var c in value)
            {
                if (c is '"' or '\\')
                {
                    span[n++] = (byte)'\\';
                }

                span[n++] = (byte)c;
            }

            span[n++] = (byte)'"';
            buffer.Advance(n);
            return this;
        }

        return Literal(StrictUtf8.GetBytes(value));
    }

    public ImapResponseWriter NString(string? value) => value is null ? Raw("NIL") : String(value);

    public ImapResponseWriter Literal(ReadOnlySpan<byte> bytes)
    {
        Raw("{").Number(bytes.Length).Raw("}\r\n");
        return Bytes(bytes);
    }

    /// <summary>A flag list such as <c>(\Seen $Urgent)</c>.</summary>
    public ImapResponseWriter Flags(MessageFlags flags, IReadOnlyList<string> keywords) => Raw("(" + FormatFlags(flags, keywords) + ")");

    public static string FormatFlags(MessageFlags flags, IReadOnlyList<string> keywords)
    {
        var names = new List<string>();
        if ((flags & MessageFlags.Answered) != 0) names.Add(@"\Answered");
        if ((flags & MessageFlags.Flagged) != 0) names.Add(@"\Flagged");
        if ((flags & MessageFlags.Deleted) != 0) names.Add(@"\Deleted");
        if ((flags & MessageFlags.Seen) != 0) names.Add(@"\Seen");
        if ((flags & MessageFlags.Draft) != 0) names.Add(@"\Draft");
        if ((flags & MessageFlags.Recent) != 0) names.Add(@"\Recent");
        names.AddRange(keywords);
        return string.Join(' ', names);
    }

    /// <summary>RFC 3501 <c>date-time</c>: <c>"25-Nov-2026 10:00:00 +0000"</c>.</summary>
    public ImapResponseWriter DateTime(DateTimeOffset value) =>
        Raw("\"" + value.ToUniversalTime().ToString("dd-MMM-yyyy HH:mm:ss", CultureInfo.InvariantCulture) + " +0000\"");

    /// <summary>RFC 3501 ENVELOPE from the header fields kept at delivery.</summary>
    public ImapResponseWriter Envelope(MessageEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        // From is parsed once: it usually stands for Sender and Reply-To too (RFC 3501 §7.4.2).
        var from = ParseAddresses(envelope.From);
        this.Raw("(").NString(envelope.Date).Space().NString(envelope.Subject).Space();
        Addresses(from).Space();
        Addresses(envelope.Sender is null ? from : ParseAddresses(envelope.Sender)).Space();
        Addresses(envelope.ReplyTo is null ? from : ParseAddresses(envelope.ReplyTo)).Space();
        Addresses(ParseAddresses(envelope.To)).Space();
        Addresses(ParseAddresses(envelope.Cc)).Space();
        Addresses(ParseAddresses(envelope.Bcc)).Space();
        NString(envelope.InReplyTo).Space().NString(envelope.MessageId);
        return Raw(")");
    }

    /// <summary>The ENVELOPE of a parsed message (for message/rfc822 parts of BODYSTRUCTURE).</summary>
    public ImapResponseWriter Envelope(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        string? H(HeaderId id) => message.Headers[id] is { Length: > 0 } v ? v.Trim() : null;
        return Envelope(new MessageEnvelope(H(HeaderId.Date), H(HeaderId.Subject), H(HeaderId.From), H(HeaderId.Sender), H(HeaderId.ReplyTo),
            H(HeaderId.To), H(HeaderId.Cc), H(HeaderId.Bcc), H(HeaderId.InReplyTo), H(HeaderId.MessageId)));
    }

    private static InternetAddressList? ParseAddresses(string? header) =>
        !string.IsNullOrWhiteSpace(header) && InternetAddressList.TryParse(header, out var list) && list.Count > 0 ? list : null;

    private ImapResponseWriter Addresses(InternetAddressList? list)
    {
        if (list is null)
        {
            return Raw("NIL");
        }

        Raw("(");
        foreach (var address in list)
        {
            Address(address);
        }

        return Raw(")");
    }

    private void Address(InternetAddress address)
    {
        if (address is GroupAddress group)
        {
            Raw("(NIL NIL ").String(Encode(group.Name ?? string.Empty)).Raw(" NIL)");
            foreach (var member in group.Members)
            {
                Address(member);
            }

            Raw("(NIL NIL NIL NIL)");
            return;
        }

        if (address is MailboxAddress mailbox)
        {
            var at = mailbox.Address.LastIndexOf('@');
            var local = at < 0 ? mailbox.Address : mailbox.Address[..at];
            var domain = at < 0 ? null : mailbox.Address[(at + 1)..];
            Raw("(").NString(string.IsNullOrEmpty(mailbox.Name) ? null : Encode(mailbox.Name)).Raw(" NIL ").String(local).Space().NString(domain).Raw(")");
        }
    }

    private static string Encode(string text) =>
        text.All(c => c < 0x7f) ? text : Encoding.ASCII.GetString(Rfc2047.EncodeText(StrictUtf8.Encoding, text));

    /// <summary>BODYSTRUCTURE (extensible) or BODY (non-extensible) of a MIME entity, RFC 3501 §7.4.2.</summary>
    public ImapResponseWriter BodyStructure(MimeEntity entity, bool extensible)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (entity is Multipart multipart)
        {
            Raw("(");
            if (multipart.Count == 0)
            {
                Raw("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)");
            }

            foreach (var child in multipart)
            {
                BodyStructure(child, extensible);
            }

            Space().String(multipart.ContentType.MediaSubtype.ToLowerInvariant());
            if (extensible)
            {
                Space().Parameters(multipart.ContentType.Parameters).Space().Disposition(multipart.ContentDisposition)
                    .Space().Language(multipart).Space().NString(multipart.ContentLocation?.ToString());
            }

            return Raw(")");
        }

        var type = entity.ContentType;
        Raw("(").String(type.MediaType.ToLowerInvariant()).Space().String(type.MediaSubtype.ToLowerInvariant()).Space();
        Parameters(type.Parameters).Space().NString(entity.ContentId is null ? null : "<" + entity.ContentId + ">").Space()
            .NString(entity.Headers[HeaderId.ContentDescription] is { Length: > 0 } d ? d.Trim() : null).Space();
        var (content, lines) = EncodedContent(entity);
        var encoding = entity.Headers[HeaderId.ContentTransferEncoding] is { Length: > 0 } e ? e.Trim().ToLowerInvariant() : "7bit";
        String(encoding).Space().Number(content.Length);
        if (entity is MessagePart { Message: { } inner })
        {
            Space().Envelope(inner).Space().BodyStructure(inner.Body ?? new TextPart("plain"), extensible).Space().Number(lines);
        }
        else if (type.MediaType.Equals("text", StringComparison.OrdinalIgnoreCase))
        {
            Space().Number(lines);
        }

        if (extensible)
        {
            Space().NString(entity.Headers[HeaderId.ContentMd5] is { Length: > 0 } md5 ? md5.Trim() : null)
                .Space().Disposition(entity.ContentDisposition).Space().Language(entity).Space().NString(entity.ContentLocation?.ToString());
        }

        return Raw(")");
    }

    /// <summary>The bytes of an entity's body as they are in the message (still transfer-encoded), and their line count.</summary>
    public static (byte[] Content, long Lines) EncodedContent(MimeEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        using var stream = new MemoryStream();
        entity.WriteTo(Crlf, stream, contentOnly: true);
        var bytes = stream.ToArray();
        long lines = 0;
        foreach (var b in bytes)
        {
            if (b == '\n')
            {
                lines++;
            }
        }

        return (bytes, lines);
    }

    private ImapResponseWriter Parameters(ParameterList parameters)
    {
        if (parameters.Count == 0)
        {
            return Raw("NIL");
        }

        Raw("(");
        var first = true;
        foreach (var parameter in parameters)
        {
            if (!first)
            {
                Space();
            }

            first = false;
            String(parameter.Name.ToLowerInvariant()).Space().String(parameter.Value);
        }

        return Raw(")");
    }

    private ImapResponseWriter Disposition(ContentDisposition? disposition)
    {
        if (disposition is null)
        {
            return Raw("NIL");
        }

        return Raw("(").String(disposition.Disposition.ToLowerInvariant()).Space().Parameters(disposition.Parameters).Raw(")");
    }

    private ImapResponseWriter Language(MimeEntity entity)
    {
        var language = entity.Headers[HeaderId.ContentLanguage];
        return string.IsNullOrWhiteSpace(language) ? Raw("NIL") : Raw("(").String(language.Trim()).Raw(")");
    }
}
