using System.Text;

namespace OpenMss.Imap.Protocol;

/// <summary>Mailbox name encoding of RFC 3501 §5.1.3 (modified UTF-7: <c>&amp;</c> shifts to modified base64 of UTF-16).</summary>
public static class ModifiedUtf7
{
    public static string Encode(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var output = new StringBuilder();
        var pending = new StringBuilder();
        foreach (var c in name)
        {
            if (c >= 0x20 && c <= 0x7e)
            {
                Flush(output, pending);
                output.Append(c == '&' ? "&-" : c.ToString());
            }
            else
            {
                pending.Append(c);
            }
        }

        Flush(output, pending);
        return output.ToString();
    }

    /// <summary>Decodes a name; false when it is not valid modified UTF-7.</summary>
    public static bool TryDecode(string encoded, out string name)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        name = string.Empty;
        var output = new StringBuilder();
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c > 0x7e)
            {
                // A client sending UTF-8 (RFC 6855 style) is accepted as is.
                output.Append(c);
                continue;
            }

            if (c != '&')
            {
                output.Append(c);
                continue;
            }

            var end = encoded.IndexOf('-', i + 1);
            if (end < 0)
            {
                return false;
            }

            if (end == i + 1)
            {
                output.Append('&');
            }
            else
            {
                var base64 = encoded[(i + 1)..end].Replace(',', '/');
                base64 += new string('=', (4 - (base64.Length % 4)) % 4);
                try
                {
                    var bytes = Convert.FromBase64String(base64);
                    if (bytes.Length % 2 != 0)
                    {
                        return false;
                    }

                    output.Append(Encoding.BigEndianUnicode.GetString(bytes));
                }
                catch (FormatException)
                {
                    return false;
                }
            }

            i = end;
        }

        name = output.ToString();
        return true;
    }

    private static void Flush(StringBuilder output, StringBuilder pending)
    {
        if (pending.Length == 0)
        {
            return;
        }

        var base64 = Convert.ToBase64String(Encoding.BigEndianUnicode.GetBytes(pending.ToString())).TrimEnd('=').Replace('/', ',');
        output.Append('&').Append(base64).Append('-');
        pending.Clear();
    }
}
