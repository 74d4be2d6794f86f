using System.Buffers.Binary;
using System.Text;
using OpenMss.Storage.Search;
using OpenMss.Core.Text;

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
/// A <em>head</em> (<see cref="Head"/>, version 2) has the same layout with each region cut to its
/// first bytes: a match in it is a match in the whole text, its absence decides nothing.
/// </remarks>
public sealed class SearchText
{
    private const byte FormatVersion = 1;
    private const byte HeadVersion = 2;

    // What a head keeps of each region: a sealed head (~2.6 KiB) fits in one 4 KiB SQLite page
    // with its row, and a common word is usually in the first 2 KiB of a body.
    private const int HeadHeaderBytes = 512;
    private const int HeadPartBytes = 2048;
    private const byte Separator = 0xFF;
    private const int HeaderSize = 13;


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
    /// True for a head (the first bytes of each region): <see cref="Contains"/> answers true when
    /// it finds the string, and null (read the whole text) instead of false.
    /// </summary>
    public bool IsHead => data[0] == HeadVersion;

    /// <summary>
    /// Whether a text part (or, with <paramref name="headers"/>, a header value: SEARCH TEXT)
    /// contains <paramref name="text"/>, case-insensitively as OrdinalIgnoreCase; null when this
    /// cannot decide: a search string with surrogates (parse the message instead), or a string not
    /// in a head (<see cref="IsHead"/>: read the whole text).
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
        return (headers ? all : all[headerLength..]).IndexOf(needle) >= 0 ? true
            : IsHead ? null
            : false;
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

    /// <summary>
    /// The head of a text <see cref="Serialize"/> wrote: the same counts, the first
    /// <see cref="HeadHeaderBytes"/> of the header region and the first <see cref="HeadPartBytes"/>
    /// of the part region. A region cut short ends with a separator, so that no match spans the cut
    /// (a match in the head is then a match in the whole text).
    /// </summary>
    internal static byte[] Head(byte[] serialized)
    {
        ArgumentNullException.ThrowIfNull(serialized);
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(serialized.AsSpan(9));
        var headers = serialized.AsSpan(HeaderSize, headerLength);
        var parts = serialized.AsSpan(HeaderSize + headerLength);
        var headHeaders = Math.Min(headers.Length, HeadHeaderBytes);
        var headParts = Math.Min(parts.Length, HeadPartBytes);
        if (headHeaders == headers.Length && headParts == parts.Length)
        {
            // Short enough to keep whole: the head decides both ways.
            return serialized.ToArray();
        }

        var headHeaderLength = headHeaders + (headHeaders < headers.Length ? 1 : 0);
        var output = new byte[HeaderSize + headHeaderLength + headParts];
        serialized.AsSpan(0, 9).CopyTo(output);
        output[0] = HeadVersion;
        BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(9), headHeaderLength);
        headers[..headHeaders].CopyTo(output.AsSpan(HeaderSize));
        if (headHeaders < headers.Length)
        {
            output[HeaderSize + headHeaders] = Separator;
        }

        // The part region is last: a cut there needs no separator, nothing follows it.
        parts[..headParts].CopyTo(output.AsSpan(HeaderSize + headHeaderLength));
        return output;
    }

    /// <summary>Reads what <see cref="Serialize"/> or <see cref="Head"/> wrote; null for an unknown format.</summary>
    internal static SearchText? Deserialize(long uid, byte[] data)
    {
        if (data.Length < HeaderSize || data[0] is not (FormatVersion or HeadVersion))
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

            output.Write(StrictUtf8.Encoding.GetBytes(buffer, 0, text.Length));
            output.WriteByte(Separator);
        }

        return output.ToArray();
    }
}
