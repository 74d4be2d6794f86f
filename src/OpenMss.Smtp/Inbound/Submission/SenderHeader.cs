using System.Text;
using MimeKit;
using OpenMss.Smtp.Acceptance;
using OpenMss.Core.Text;

namespace OpenMss.Smtp.Inbound.Submission;

/// <summary>
/// Header edits of the submission service (RFC 6409 §8, RFC 5322 §3.6.2): read the <c>From:</c>
/// addresses, and set the <c>Sender:</c> field naming the professional who sends on behalf of an
/// organisational mailbox, replacing any the client gave. The body is left byte for byte.
/// </summary>
public static class SenderHeader
{
    /// <summary>The addresses of every <c>From:</c> field of the header (empty when none or unparsable).</summary>
    public static IReadOnlyList<string> FromAddresses(ReadOnlyMemory<byte> message)
    {
        if (MessageHeaders.Load(message) is not { } headers)
        {
            return [];
        }

        var result = new List<string>();
        foreach (var header in headers)
        {
            if (header.Id != HeaderId.From)
            {
                continue;
            }

            if (!InternetAddressList.TryParse(header.RawValue is { } raw && StrictUtf8.TryDecode(raw, out var rawText) ? rawText : header.Value, out var list))
            {
                return [];
            }

            foreach (var mailbox in list.Mailboxes)
            {
                result.Add(mailbox.Address);
            }
        }

        return result;
    }

    /// <summary>The <c>Sender:</c> field naming <paramref name="displayName"/> &lt;<paramref name="address"/>&gt;, CRLF-terminated, encoded per RFC 2047 when needed.</summary>
    public static string Format(string? displayName, string address)
    {
        var mailbox = new MailboxAddress(displayName, address);
        var options = FormatOptions.Default.Clone();
        options.International = true;
        return "Sender: " + mailbox.ToString(options, encode: true) + "\r\n";
    }

    /// <summary>The message with every <c>Sender:</c> field (and its folded lines) removed and <paramref name="senderField"/> added at the end of the header.</summary>
    public static byte[] Replace(ReadOnlySpan<byte> message, string senderField)
    {
        var headerLength = MessageHeaders.Length(message);
        var output = new MemoryStream(message.Length + senderField.Length);
        var skipping = false;
        var position = 0;
        while (position < headerLength)
        {
            var end = message[position..headerLength].IndexOf((byte)'\n');
            var lineEnd = end < 0 ? headerLength : position + end + 1;
            var line = message[position..lineEnd];
            var continuation = line.Length > 0 && line[0] is (byte)' ' or (byte)'\t';
            if (!continuation)
            {
                skipping = line.Length >= 7 && Ascii.EqualsIgnoreCase(line[..7], "Sender:"u8);
            }

            if (!skipping)
            {
                output.Write(line);
            }

            position = lineEnd;
        }

        output.Write(StrictUtf8.GetBytes(senderField));
        output.Write(message[headerLength..]);
        return output.ToArray();
    }
}
