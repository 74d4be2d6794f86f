using System.Buffers.Binary;
using System.Text;
using OpenMss.Storage.Search;

namespace OpenMss.Storage;

/// <summary>
/// The decoded text of one message that IMAP SEARCH BODY/TEXT compares against (RFC 3501 §6.4.4):
/// each header value decoded as RFC 2047 text, and each MIME text part decoded (transfer encoding,
/// charset), as MimeKit gave them when the message was stored, kept case-folded. Verifying a
/// candidate against it gives the answer of parsing the message again and comparing with
/// <see cref="StringComparison.OrdinalIgnoreCase"/>, without the MIME decoding that dominates the
/// cost of a scan. Kept encrypted at rest like the message.
/// </summary>
/// <remarks>
/// Stored as <c>version | header count | part count | header bytes length | headers | parts</c>,
/// where each region is its strings, folded code unit by code unit to the form OrdinalIgnoreCase
/// compares (surrogates kept as they are), in UTF-8, separated by 0xFF — a byte UTF-8 never
/// produces, so that a match never spans two strings; and a UTF-8 byte match is a character match.
/// </remarks>
public sealed class SearchText
{
    private const byte FormatVersion = 1;
    private const byte Separator = 0xFF;
    private const int HeaderSize = 13;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [ThreadStatic]
    private static string? lastText;
    [ThreadStatic]
    private static byte[]? lastNeedle;

    private readonly byte[] data;
    private readonly int headerCount;
    private readonly int partCount;
    private readonly int headerLength;

    private SearchText(long uid, byte[] data, int headerCount, int partCount, int headerLength)
    {
        Uid = uid;
        this.data = data;
        this.headerCount = headerCount;
        this.partCount = partCount;
        this.headerLength = headerLength;
    }

    /// <summary>The message's UID in the folder it was read from.</summary>
    public long Uid { get; }

    /// <summary>Bytes held (for batching reads).</summary>
    public int Size => data.Length;

    /// <summary>
    /// Whether a text part (or, with <paramref name="headers"/>, a header value: SEARCH TEXT)
    /// contains <paramref name="text"/>, case-insensitively as OrdinalIgnoreCase; null when the
    /// folded form cannot decide (a search string with surrogates): parse the message instead.
    /// </summary>
    public bool? Contains(string text, bool headers)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return partCount > 0 || (headers && headerCount > 0);
        }

        var needle = Needle(text);
        if (needle is null)
        {
            return null;
        }

        var all = data.AsSpan(HeaderSize);
        return (headers ? all : all[headerLength..]).IndexOf(needle) >= 0;
    }

    /// <summary>
    /// The folded UTF-8 form of a search string, or null when it holds surrogates. A SEARCH tests
    /// the same string against thousands of messages on a few threads: the last one is kept per thread.
    /// </summary>
    private static byte[]? Needle(string text)
    {
        if (ReferenceEquals(text, lastText) || string.Equals(text, lastText, StringComparison.Ordinal))
        {
            return lastNeedle;
        }

        byte[]? needle = null;
        if (!text.Any(char.IsSurrogate))
        {
            var folded = new char[text.Length];
            for (var i = 0; i < text.Length; i++)
            {
                folded[i] = SearchFilter.FoldChar(text[i]);
            }

            needle = Encoding.UTF8.GetBytes(folded);
        }

        (lastText, lastNeedle) = (text, needle);
        return needle;
    }

    /// <summary>The stored plaintext of the given strings, or null when one holds a lone surrogate UTF-8 cannot carry (that message is verified from its bytes).</summary>
    internal static byte[]? Serialize(IReadOnlyList<string> headers, IReadOnlyList<string> parts)
    {
        try
        {
            var headerBytes = Region(headers);
            var partBytes = Region(parts);
            var output = new byte[HeaderSize + headerBytes.Length + partBytes.Length];
            output[0] = FormatVersion;
            BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(1), headers.Count);
            BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(5), parts.Count);
            BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(9), headerBytes.Length);
            headerBytes.CopyTo(output.AsSpan(HeaderSize));
            partBytes.CopyTo(output.AsSpan(HeaderSize + headerBytes.Length));
            return output;
        }
        catch (EncoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>Reads what <see cref="Serialize"/> wrote; null for an unknown format.</summary>
    internal static SearchText? Deserialize(long uid, byte[] data)
    {
        if (data.Length < HeaderSize || data[0] != FormatVersion)
        {
            return null;
        }

        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(9));
        return headerLength < 0 || headerLength > data.Length - HeaderSize
            ? null
            : new SearchText(uid, data, BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(1)), BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(5)), headerLength);
    }

    private static byte[] Region(IReadOnlyList<string> strings)
    {
        using var output = new MemoryStream();
        var buffer = new char[256];
        foreach (var text in strings)
        {
            if (buffer.Length < text.Length)
            {
                buffer = new char[text.Length];
            }

            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                buffer[i] = char.IsSurrogate(c) ? c : SearchFilter.FoldChar(c);
            }

            output.Write(StrictUtf8.GetBytes(buffer, 0, text.Length));
            output.WriteByte(Separator);
        }

        return output.ToArray();
    }
}
