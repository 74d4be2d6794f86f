using System.Runtime.InteropServices;
using System.Text;
using MimeKit;

namespace OpenMss.Storage;

/// <summary>
/// Builds the <see cref="MessageEnvelope"/> of a message from its header block only (the body is
/// never parsed) and turns it into the compact bytes that are encrypted into the messages table.
/// </summary>
/// <remarks>
/// Values are kept raw (RFC 2047 encoded-words untouched, as IMAP <c>ENVELOPE</c> returns them,
/// RFC 3501 §7.4.2) and unfolded (RFC 5322 §2.2.3). A header block MimeKit cannot parse yields an
/// empty envelope: a malformed header never makes a delivery fail.
/// </remarks>
internal static class EnvelopeCodec
{
    private const byte FormatVersion = 1;
    private const int FieldCount = 10;

    public static readonly MessageEnvelope Empty = new(null, null, null, null, null, null, null, null, null, null);

    public static MessageEnvelope Parse(ReadOnlyMemory<byte> raw) => Parse(raw, out _);

    /// <summary>
    /// The envelope, and the raw <c>References</c> header (RFC 5322 §3.6.4) from the same parse of
    /// the header block: with <c>Message-ID</c> and <c>In-Reply-To</c>, the thread identifiers of a
    /// <see cref="DeliveryEvent"/>. It is not part of the envelope IMAP returns.
    /// </summary>
    public static MessageEnvelope Parse(ReadOnlyMemory<byte> raw, out string? references)
    {
        references = null;
        var headerBlock = raw[..HeaderBlockLength(raw.Span)];
        if (headerBlock.IsEmpty)
        {
            return Empty;
        }

        var array = MemoryMarshal.TryGetArray(headerBlock, out var segment)
            ? segment
            : new ArraySegment<byte>(headerBlock.ToArray());
        HeaderList headers;
        try
        {
            using var stream = new MemoryStream(array.Array!, array.Offset, array.Count, writable: false);
            headers = HeaderList.Load(ParserOptions.Default, stream);
        }
        catch (FormatException)
        {
            // MimeKit's ParseException derives from FormatException: the header block is not RFC 5322.
            return Empty;
        }

        references = Raw(headers, HeaderId.References);
        return new MessageEnvelope(
            Date: Raw(headers, HeaderId.Date),
            Subject: Raw(headers, HeaderId.Subject),
            From: Raw(headers, HeaderId.From),
            Sender: Raw(headers, HeaderId.Sender),
            ReplyTo: Raw(headers, HeaderId.ReplyTo),
            To: Raw(headers, HeaderId.To),
            Cc: Raw(headers, HeaderId.Cc),
            Bcc: Raw(headers, HeaderId.Bcc),
            InReplyTo: Raw(headers, HeaderId.InReplyTo),
            MessageId: Raw(headers, HeaderId.MessageId));
    }

    public static byte[] Serialize(MessageEnvelope envelope)
    {
        using var buffer = new MemoryStream(256);
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(FormatVersion);
            foreach (var field in Fields(envelope))
            {
                writer.Write(field is not null);
                if (field is not null)
                {
                    writer.Write(field);
                }
            }
        }

        return buffer.ToArray();
    }

    public static MessageEnvelope Deserialize(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        var version = reader.ReadByte();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Unknown stored envelope format version {version}.");
        }

        var fields = new string?[FieldCount];
        for (var i = 0; i < FieldCount; i++)
        {
            fields[i] = reader.ReadBoolean() ? reader.ReadString() : null;
        }

        return new MessageEnvelope(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6], fields[7], fields[8], fields[9]);
    }

    private static string?[] Fields(MessageEnvelope e) =>
        [e.Date, e.Subject, e.From, e.Sender, e.ReplyTo, e.To, e.Cc, e.Bcc, e.InReplyTo, e.MessageId];

    private static string? Raw(HeaderList headers, HeaderId id)
    {
        var index = headers.IndexOf(id);
        if (index < 0)
        {
            return null;
        }

        var value = Encoding.UTF8.GetString(headers[index].RawValue);
        return Unfold(value);
    }

    private static string Unfold(string value)
    {
        if (value.AsSpan().IndexOfAny('\r', '\n') < 0)
        {
            return value.Trim();
        }

        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is not ('\r' or '\n'))
            {
                builder.Append(c);
            }
        }

        return builder.ToString().Trim();
    }

    /// <summary>The length of the header block, including the empty line that ends it (or all of it).</summary>
    private static int HeaderBlockLength(ReadOnlySpan<byte> raw)
    {
        var crlf = raw.IndexOf("\r\n\r\n"u8);
        var lf = raw.IndexOf("\n\n"u8);
        if (crlf >= 0 && (lf < 0 || crlf < lf))
        {
            return crlf + 4;
        }

        return lf >= 0 ? lf + 2 : raw.Length;
    }
}
