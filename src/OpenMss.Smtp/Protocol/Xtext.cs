using System.Text;
using OpenMss.Core.Text;

namespace OpenMss.Smtp.Protocol;

/// <summary>
/// The <c>xtext</c> encoding of RFC 3461 §4 used by the DSN parameters <c>ENVID</c> and <c>ORCPT</c>:
/// printable ASCII except <c>+</c> and <c>=</c> as themselves, any other octet as <c>+XX</c>.
/// </summary>
public static class Xtext
{
    /// <summary>Decodes <paramref name="encoded"/>; false when it is not valid xtext or not UTF-8 once decoded.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> encoded, out string decoded)
    {
        decoded = string.Empty;
        Span<byte> buffer = encoded.Length <= 512 ? stackalloc byte[encoded.Length] : new byte[encoded.Length];
        var length = 0;
        for (var i = 0; i < encoded.Length; i++)
        {
            var b = encoded[i];
            if (b == (byte)'+')
            {
                // RFC 3461 writes the hex digits in upper case; lower case is accepted (be liberal).
                if (i + 2 >= encoded.Length)
                {
                    return false;
                }

                var high = HexValue(encoded[i + 1]);
                var low = HexValue(encoded[i + 2]);
                if (high < 0 || low < 0)
                {
                    return false;
                }

                buffer[length++] = (byte)((high << 4) | low);
                i += 2;
            }
            else if (b is >= 33 and <= 126 && b != (byte)'=')
            {
                buffer[length++] = b;
            }
            else
            {
                return false;
            }
        }

        var bytes = buffer[..length];
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return false;
        }

        decoded = StrictUtf8.Decode(bytes);
        return true;
    }

    /// <summary>Encodes <paramref name="value"/> (as UTF-8) to xtext.</summary>
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var bytes = StrictUtf8.GetBytes(value);
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 33 and <= 126 && b != (byte)'+' && b != (byte)'=')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('+').Append("0123456789ABCDEF"[b >> 4]).Append("0123456789ABCDEF"[b & 0xF]);
            }
        }

        return builder.ToString();
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        _ => -1,
    };
}
