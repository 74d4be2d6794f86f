using MimeKit;

namespace OpenMss.Smtp.Acceptance;

/// <summary>Reads the header of an RFC 5322 message (RFC 5322 §2.1: up to the first empty line) without its body.</summary>
public static class MessageHeaders
{
    /// <summary>The header fields of <paramref name="message"/>; null when the header cannot be parsed.</summary>
    public static HeaderList? Load(ReadOnlyMemory<byte> message)
    {
        using var stream = new MemoryStream(message[..Length(message.Span)].ToArray(), writable: false);
        try
        {
            return HeaderList.Load(stream);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The length of the header, its final CRLF included; a message without body is all header.</summary>
    public static int Length(ReadOnlySpan<byte> message)
    {
        if (message.StartsWith("\r\n"u8))
        {
            return 0;
        }

        var blank = message.IndexOf("\r\n\r\n"u8);
        return blank < 0 ? message.Length : blank + 2;
    }
}
