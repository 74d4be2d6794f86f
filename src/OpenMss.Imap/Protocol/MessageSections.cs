using System.Text;
using MimeKit;

namespace OpenMss.Imap.Protocol;

/// <summary>Extracts RFC 3501 §6.4.5 body sections (<c>HEADER</c>, <c>TEXT</c>, <c>HEADER.FIELDS</c>, part numbers, <c>MIME</c>) from a raw message.</summary>
public static class MessageSections
{
    /// <summary>The section's bytes (partial range applied); an absent part gives an empty string, as most servers do.</summary>
    public static byte[] Extract(byte[] raw, BodySection section, Func<MimeMessage> parse)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(parse);
        byte[] bytes;
        if (section.Part.Count == 0)
        {
            bytes = FromMessageBytes(raw, section);
        }
        else
        {
            bytes = FromPart(parse(), section);
        }

        if (section.PartialStart is { } start)
        {
            var length = section.PartialLength ?? long.MaxValue;
            if (start >= bytes.Length)
            {
                return [];
            }

            var take = (int)Math.Min(length, bytes.Length - start);
            return bytes.AsSpan((int)start, take).ToArray();
        }

        return bytes;
    }

    /// <summary>Offset of the first byte of the body (after the blank line), or the length when there is none.</summary>
    public static int BodyOffset(ReadOnlySpan<byte> raw)
    {
        if (raw.StartsWith("\r\n"u8))
        {
            return 2;
        }

        var index = raw.IndexOf("\r\n\r\n"u8);
        if (index >= 0)
        {
            return index + 4;
        }

        index = raw.IndexOf("\n\n"u8);
        return index >= 0 ? index + 2 : raw.Length;
    }

    private static byte[] FromMessageBytes(byte[] raw, BodySection section)
    {
        var bodyOffset = BodyOffset(raw);
        return section.Specifier switch
        {
            "" => raw,
            "TEXT" => raw[bodyOffset..],
            "HEADER" => raw[..bodyOffset],
            _ => FilterHeader(raw.AsSpan(0, bodyOffset), section.Fields, section.Specifier == "HEADER.FIELDS.NOT"),
        };
    }

    private static byte[] FromPart(MimeMessage message, BodySection section)
    {
        MimeEntity? entity = message.Body;
        for (var i = 0; i < section.Part.Count && entity is not null; i++)
        {
            var n = section.Part[i];
            if (entity is Multipart multipart)
            {
                entity = n <= multipart.Count ? multipart[n - 1] : null;
            }
            else if (entity is MessagePart { Message: { } inner } && i > 0)
            {
                entity = inner.Body is Multipart m ? (n <= m.Count ? m[n - 1] : null) : (n == 1 ? inner.Body : null);
            }
            else if (n != 1)
            {
                entity = null;
            }
        }

        if (entity is null)
        {
            return [];
        }

        if (section.Specifier == "MIME")
        {
            return HeaderBytes(entity.Headers);
        }

        if (section.Specifier.Length == 0)
        {
            return ImapResponseWriter.EncodedContent(entity).Content;
        }

        // HEADER, TEXT and HEADER.FIELDS apply to an encapsulated message (message/rfc822 part).
        if (entity is not MessagePart { Message: { } embedded })
        {
            return [];
        }

        using var stream = new MemoryStream();
        embedded.WriteTo(ImapResponseWriter.Crlf, stream);
        return FromMessageBytes(stream.ToArray(), section with { Part = [] });
    }

    private static byte[] HeaderBytes(HeaderList headers)
    {
        using var stream = new MemoryStream();
        // HeaderList.WriteTo ends with the blank line that closes the header.
        headers.WriteTo(ImapResponseWriter.Crlf, stream);
        return stream.ToArray();
    }

    private static byte[] FilterHeader(ReadOnlySpan<byte> header, IReadOnlyList<string> fields, bool exclude)
    {
        var output = new MemoryStream();
        var keep = false;
        var text = Encoding.Latin1.GetString(header);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line == "\r")
            {
                continue;
            }

            if (line[0] is not (' ' or '\t'))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var name = colon < 0 ? line.TrimEnd('\r') : line[..colon].TrimEnd();
                var listed = fields.Contains(name.ToUpperInvariant());
                keep = listed != exclude;
            }

            if (keep)
            {
                output.Write(Encoding.Latin1.GetBytes(line.TrimEnd('\r') + "\r\n"));
            }
        }

        output.Write("\r\n"u8);
        return output.ToArray();
    }
}
