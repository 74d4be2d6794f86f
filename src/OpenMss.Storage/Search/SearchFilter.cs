using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using MimeKit;
using MimeKit.Utils;

namespace OpenMss.Storage.Search;

/// <summary>
/// The per-message Bloom filter that lets IMAP <c>SEARCH BODY</c>/<c>TEXT</c> (RFC 3501 §6.4.4) skip
/// messages without decrypting them, while the messages stay encrypted at rest.
/// </summary>
/// <remarks>
/// <para>
/// The filter holds the character trigrams of the text SEARCH compares against — every header
/// value decoded as RFC 2047 text, and every MIME text part decoded (transfer encoding and charset)
/// by MimeKit, exactly what the IMAP search evaluator reads — each folded the way
/// <see cref="StringComparison.OrdinalIgnoreCase"/> folds. A substring of three characters or more
/// found by the evaluator in one of those strings has all its trigrams in the filter, so the
/// filter never rejects a message that matches (no false negative); a message it accepts is then
/// verified exactly by decrypting it (false positives are removed).
/// </para>
/// <para>
/// Trigrams are not stored: each is encrypted as one AES-256 block (a pseudo-random permutation)
/// under a key derived with HKDF from the store's message key, and two 32-bit slices of the result
/// choose the filter bits. Without the key file, the filter tells nothing about which words a
/// message holds; it does reveal the approximate number of distinct trigrams (its size, a power of
/// two) and how many bits are set. Format: <c>version (1 byte) | bits</c>.
/// </para>
/// </remarks>
internal sealed class SearchFilter : IDisposable
{
    /// <summary>Queries shorter than this cannot be filtered: every message is a candidate.</summary>
    public const int TrigramLength = 3;

    private const byte FormatVersion = 1;
    private const string KeyPurpose = "openmss/search-filter/v1";

    // Four to eight bits per distinct trigram with two hash functions: a trigram absent from the
    // message passes with probability 5–15 %, and a word's trigrams must all pass.
    private const int BitsPerTrigram = 4;
    private const int MinBits = 512;
    private const int MaxBits = 1 << 16;

    // OrdinalIgnoreCase compares the upper-case forms of UTF-16 code units (surrogate pairs aside):
    // this table maps each code unit to that form; every surrogate maps to one value, so a pair
    // folds to the same trigram whatever its case, at the price of a few false positives.
    private static readonly char[] Fold = BuildFoldTable();

    private readonly byte[] key;
    private readonly ThreadLocal<Aes> aes;
    [ThreadStatic]
    private static HashSet<ulong>? scratch;
    private bool disposed;

    public SearchFilter(MessageCipher cipher)
    {
        ArgumentNullException.ThrowIfNull(cipher);
        key = cipher.DeriveSubkey(KeyPurpose);
        aes = new ThreadLocal<Aes>(
            () =>
            {
                var instance = Aes.Create();
                instance.Key = key;
                return instance;
            },
            trackAllValues: true);
    }

    /// <summary>
    /// Builds the filter of a whole message (RFC 5322 bytes) and the plaintext of its search text
    /// (<see cref="SearchText"/>, to be encrypted by the caller); both null when MimeKit cannot
    /// parse the message (it is then always scanned).
    /// </summary>
    public (byte[]? Filter, byte[]? Text) Build(ReadOnlyMemory<byte> raw)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var trigrams = scratch ??= new HashSet<ulong>(4096);
        trigrams.Clear();
        var headers = new List<string>();
        var bodies = new List<string>();
        try
        {
            MimeMessage message;
            var bytes = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(raw, out var segment)
                ? segment
                : new ArraySegment<byte>(raw.ToArray());
            using (var stream = new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false))
            {
                message = MimeMessage.Load(stream);
            }

            using (message)
            {
                foreach (var header in message.Headers)
                {
                    var value = Rfc2047.DecodeText(header.RawValue);
                    headers.Add(value);
                    AddTrigrams(value, trigrams);
                }

                foreach (var part in message.BodyParts.OfType<TextPart>())
                {
                    var text = part.Text;
                    if (text is not null)
                    {
                        bodies.Add(text);
                        AddTrigrams(text, trigrams);
                    }
                }
            }
        }
        catch (FormatException)
        {
            return (null, null);
        }

        return (Encode(trigrams), SearchText.Serialize(headers, bodies));
    }

    private byte[] Encode(HashSet<ulong> trigrams)
    {
        var bits = Math.Clamp((int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, trigrams.Count * BitsPerTrigram)), MinBits, MaxBits);
        var filter = new byte[1 + (bits / 8)];
        filter[0] = FormatVersion;
        if (trigrams.Count == 0)
        {
            return filter;
        }

        var hashes = Hash(trigrams);
        if (trigrams.Count > 1 << 16)
        {
            // A huge message's set is not kept alive for the rest of the thread's life.
            scratch = null;
        }

        var mask = (uint)bits - 1;
        var set = filter.AsSpan(1);
        for (var i = 0; i < hashes.Length; i += 16)
        {
            SetBit(set, BinaryPrimitives.ReadUInt32LittleEndian(hashes.AsSpan(i)) & mask);
            SetBit(set, BinaryPrimitives.ReadUInt32LittleEndian(hashes.AsSpan(i + 4)) & mask);
        }

        return filter;
    }

    /// <summary>
    /// The probe of a search string: what <see cref="MayContain"/> tests, or null when the string
    /// is too short to filter on (shorter than <see cref="TrigramLength"/>).
    /// </summary>
    public ulong[]? Probe(string text)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length < TrigramLength)
        {
            return null;
        }

        var trigrams = new HashSet<ulong>();
        AddTrigrams(text, trigrams);
        var hashes = Hash(trigrams);
        var probe = new ulong[trigrams.Count];
        for (var i = 0; i < probe.Length; i++)
        {
            probe[i] = BinaryPrimitives.ReadUInt64LittleEndian(hashes.AsSpan(i * 16));
        }

        return probe;
    }

    /// <summary>
    /// False only when the message whose filter this is cannot contain the probed string (in a
    /// header or a text part); an unknown filter format says true.
    /// </summary>
    public static bool MayContain(ReadOnlySpan<byte> filter, ulong[] probe)
    {
        if (filter.Length < 2 || filter[0] != FormatVersion)
        {
            return true;
        }

        var set = filter[1..];
        var bits = (uint)set.Length * 8;
        if (!BitOperations.IsPow2(bits))
        {
            return true;
        }

        var mask = bits - 1;
        foreach (var hash in probe)
        {
            if (!HasBit(set, (uint)hash & mask) || !HasBit(set, (uint)(hash >> 32) & mask))
            {
                return false;
            }
        }

        return true;
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var instance in aes.Values)
        {
            instance.Dispose();
        }

        aes.Dispose();
        CryptographicOperations.ZeroMemory(key);
    }

    /// <summary>The folded form OrdinalIgnoreCase compares (exposed for tests).</summary>
    internal static char FoldChar(char c) => Fold[c];

    private static void AddTrigrams(string? text, HashSet<ulong> trigrams)
    {
        if (text is null || text.Length < TrigramLength)
        {
            return;
        }

        var fold = Fold;
        ulong window = 0;
        for (var i = 0; i < text.Length; i++)
        {
            window = ((window << 16) | fold[text[i]]) & 0xFFFF_FFFF_FFFF;
            if (i >= TrigramLength - 1)
            {
                trigrams.Add(window);
            }
        }
    }

    /// <summary>One AES block per trigram, in one ECB call (AES-NI): a keyed pseudo-random function.</summary>
    private byte[] Hash(HashSet<ulong> trigrams)
    {
        var blocks = new byte[trigrams.Count * 16];
        var offset = 0;
        foreach (var trigram in trigrams)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(blocks.AsSpan(offset), trigram);
            offset += 16;
        }

        aes.Value!.EncryptEcb(blocks, blocks, PaddingMode.None);
        return blocks;
    }

    private static void SetBit(Span<byte> set, uint bit) => set[(int)(bit >> 3)] |= (byte)(1 << (int)(bit & 7));

    private static bool HasBit(ReadOnlySpan<byte> set, uint bit) => (set[(int)(bit >> 3)] & (1 << (int)(bit & 7))) != 0;

    private static char[] BuildFoldTable()
    {
        var table = new char[65536];
        Span<char> one = stackalloc char[1];
        Span<char> other = stackalloc char[1];
        for (var i = 0; i < table.Length; i++)
        {
            var c = (char)i;
            if (char.IsSurrogate(c))
            {
                table[i] = '\uD800';
                continue;
            }

            var upper = char.ToUpperInvariant(c);
            one[0] = c;
            other[0] = upper;
            table[i] = upper != c && MemoryExtensions.Equals(one, other, StringComparison.OrdinalIgnoreCase) ? upper : c;
        }

        return table;
    }
}
