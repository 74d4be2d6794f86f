using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace OpenMss.Core.Text;

/// <summary>
/// UTF-8 (RFC 3629) that refuses what is not UTF-8 instead of replacing it with U+FFFD: what the
/// protocol libraries decode input with, so that two byte strings never decode to the same text
/// and an invalid sequence becomes a protocol error rather than a silently different address,
/// mailbox name or search string. The protocol projects may not use <see cref="Encoding.UTF8"/>
/// (a build rule: eng/BannedSymbols.Protocol.txt).
/// </summary>
public static class StrictUtf8
{
    /// <summary>An encoding without byte order mark that throws on invalid bytes (decoding) and lone surrogates (encoding).</summary>
    public static UTF8Encoding Encoding { get; } = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The text of <paramref name="bytes"/>, or false when they are not well-formed UTF-8.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out string? text)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            text = null;
            return false;
        }

        text = Encoding.GetString(bytes);
        return true;
    }

    /// <summary>The text of bytes already known to be valid UTF-8 (checked by the caller's grammar); throws otherwise.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes) => Encoding.GetString(bytes);

    /// <summary>The UTF-8 bytes of <paramref name="text"/>.</summary>
    public static byte[] GetBytes(string text) => Encoding.GetBytes(text);
}
