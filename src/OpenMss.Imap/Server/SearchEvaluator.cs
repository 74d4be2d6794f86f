using System.Text;
using MimeKit;
using MimeKit.Utils;
using OpenMss.Imap.Protocol;
using OpenMss.Storage;
using OpenMss.Core.Text;

namespace OpenMss.Imap.Server;

/// <summary>
/// One message as SEARCH sees it. The decrypted bytes are attached only for the messages whose
/// outcome depends on them (<see cref="SearchEvaluator.Evaluate"/> said <see cref="SearchTruth.Unknown"/>).
/// </summary>
internal sealed class SearchCandidate(int sequence, long uid, MessageSummary? summary, MessageFlagState flags) : IDisposable
{
    private MimeMessage? message;
    private bool parsed;

    public int Sequence { get; } = sequence;

    public long Uid { get; } = uid;

    /// <summary>Null when the query needs no envelope, date or size (<see cref="SearchEvaluator.NeedsSummary"/>).</summary>
    public MessageSummary? Summary { get; } = summary;

    public MessageFlagState Flags { get; } = flags;

    /// <summary>True once <see cref="Attach"/> was called (with the bytes, or null for a message gone meanwhile).</summary>
    public bool Loaded { get; private set; }

    /// <summary>The message's decoded search text from the store: enough for BODY and TEXT, not for HEADER.</summary>
    public SearchText? Text { get; set; }

    public void Attach(byte[]? raw)
    {
        Loaded = true;
        Raw = raw;
    }

    private byte[]? Raw { get; set; }

    public MimeMessage? Message()
    {
        if (!parsed)
        {
            parsed = true;
            if (Raw is not null)
            {
                using var stream = new MemoryStream(Raw, writable: false);
                message = MimeMessage.Load(stream);
            }
        }

        return message;
    }

    public void Dispose()
    {
        message?.Dispose();
        message = null;
        Raw = null;
        Text = null;
    }
}

/// <summary>Three-valued logic (Kleene): a key that needs the message body is unknown until it is read.</summary>
internal enum SearchTruth
{
    False,
    True,
    Unknown,
}

/// <summary>
/// Evaluates RFC 3501 §6.4.4 search keys: flags and envelope from the summaries, BODY, TEXT and
/// HEADER from the decrypted message. Strings match as case-insensitive substrings of the decoded
/// text. For BODY and TEXT, the store's per-message search filters first give, per string, the
/// messages that may contain it (<paramref name="textCandidates"/>): the others are known not to
/// match without being decrypted, and the candidates are verified exactly here, so the results are
/// those of a plain scan.
/// </summary>
internal sealed class SearchEvaluator(int messageCount, long largestUid, IReadOnlyDictionary<string, IReadOnlySet<long>?> textCandidates)
{
    /// <summary>Whether evaluating <paramref name="key"/> reads the envelope, internal date or size.</summary>
    public static bool NeedsSummary(SearchKey key) => key.Name switch
    {
        "AND" or "OR" or "NOT" => key.Children.Any(NeedsSummary),
        "LARGER" or "SMALLER" or "BEFORE" or "ON" or "SINCE" or "SENTBEFORE" or "SENTON" or "SENTSINCE"
            or "FROM" or "TO" or "CC" or "BCC" or "SUBJECT" => true,
        _ => false,
    };

    /// <summary>Whether <paramref name="key"/> has a BODY or TEXT key (what a stored search text can decide).</summary>
    public static bool HasBodyOrText(SearchKey key) => key.Name is "BODY" or "TEXT" || key.Children.Any(HasBodyOrText);

    /// <summary>The distinct non-empty strings of the BODY and TEXT keys (what the search filters can narrow).</summary>
    public static IReadOnlyList<string> TextStrings(SearchKey key)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        Collect(key, result);
        return [.. result];

        static void Collect(SearchKey key, HashSet<string> result)
        {
            if (key.Name is "BODY" or "TEXT" && !string.IsNullOrEmpty(key.Text))
            {
                result.Add(key.Text);
            }

            foreach (var child in key.Children)
            {
                Collect(child, result);
            }
        }
    }

    /// <summary>
    /// The outcome for <paramref name="m"/>; <see cref="SearchTruth.Unknown"/> only while the
    /// message is not <see cref="SearchCandidate.Loaded"/> and the outcome depends on its content.
    /// </summary>
    public SearchTruth Evaluate(SearchKey key, SearchCandidate m)
    {
        var flags = m.Flags.Flags;
        switch (key.Name)
        {
            case "ALL": return SearchTruth.True;
            case "AND":
                var all = SearchTruth.True;
                foreach (var child in key.Children)
                {
                    var value = Evaluate(child, m);
                    if (value == SearchTruth.False)
                    {
                        return SearchTruth.False;
                    }

                    if (value == SearchTruth.Unknown)
                    {
                        all = SearchTruth.Unknown;
                    }
                }

                return all;
            case "OR":
                var left = Evaluate(key.Children[0], m);
                if (left == SearchTruth.True)
                {
                    return SearchTruth.True;
                }

                var right = Evaluate(key.Children[1], m);
                return right == SearchTruth.True ? SearchTruth.True
                    : left == SearchTruth.Unknown || right == SearchTruth.Unknown ? SearchTruth.Unknown
                    : SearchTruth.False;
            case "NOT":
                return Evaluate(key.Children[0], m) switch
                {
                    SearchTruth.True => SearchTruth.False,
                    SearchTruth.False => SearchTruth.True,
                    _ => SearchTruth.Unknown,
                };
            case "HEADER":
                if (!m.Loaded)
                {
                    return SearchTruth.Unknown;
                }

                var message = m.Message();
                if (message is null)
                {
                    return SearchTruth.False;
                }

                foreach (var header in message.Headers)
                {
                    if (header.Field.Equals(key.Field, StringComparison.OrdinalIgnoreCase)
                        && (key.Text!.Length == 0 || Decode(header.RawValue).Contains(key.Text, StringComparison.OrdinalIgnoreCase)))
                    {
                        return SearchTruth.True;
                    }
                }

                return SearchTruth.False;
            case "BODY":
            case "TEXT":
                if (key.Text!.Length > 0 && textCandidates.TryGetValue(key.Text, out var candidates) && candidates is not null && !candidates.Contains(m.Uid))
                {
                    // The search filter proves the string is in no header and no text part.
                    return SearchTruth.False;
                }

                if (m.Text?.Contains(key.Text, headers: key.Name == "TEXT") is { } found)
                {
                    // The same strings the parse below would give, decoded when the message was stored.
                    return Truth(found);
                }

                if (!m.Loaded)
                {
                    return SearchTruth.Unknown;
                }

                var whole = m.Message();
                return Truth(whole is not null
                    && ((key.Name == "TEXT" && whole.Headers.Any(h => Decode(h.RawValue).Contains(key.Text, StringComparison.OrdinalIgnoreCase)))
                        || BodyContains(whole, key.Text)));
            default:
                return Truth(Matches(key, m, flags));
        }
    }

    private bool Matches(SearchKey key, SearchCandidate m, MessageFlags flags)
    {
        switch (key.Name)
        {
            case "SET": return key.Set!.Contains(m.Sequence, messageCount);
            case "UID": return key.Set!.Contains(m.Uid, largestUid);
            case "ANSWERED": return (flags & MessageFlags.Answered) != 0;
            case "DELETED": return (flags & MessageFlags.Deleted) != 0;
            case "DRAFT": return (flags & MessageFlags.Draft) != 0;
            case "FLAGGED": return (flags & MessageFlags.Flagged) != 0;
            case "SEEN": return (flags & MessageFlags.Seen) != 0;
            case "RECENT": return (flags & MessageFlags.Recent) != 0;
            case "NEW": return (flags & MessageFlags.Recent) != 0 && (flags & MessageFlags.Seen) == 0;
            case "OLD": return (flags & MessageFlags.Recent) == 0;
            case "UNANSWERED": return (flags & MessageFlags.Answered) == 0;
            case "UNDELETED": return (flags & MessageFlags.Deleted) == 0;
            case "UNDRAFT": return (flags & MessageFlags.Draft) == 0;
            case "UNFLAGGED": return (flags & MessageFlags.Flagged) == 0;
            case "UNSEEN": return (flags & MessageFlags.Seen) == 0;
            case "KEYWORD": return m.Flags.Keywords.Contains(key.Text!, StringComparer.OrdinalIgnoreCase);
            case "UNKEYWORD": return !m.Flags.Keywords.Contains(key.Text!, StringComparer.OrdinalIgnoreCase);
        }

        var summary = m.Summary;
        if (summary is null)
        {
            return false;
        }

        return key.Name switch
        {
            "LARGER" => summary.Size > key.Number,
            "SMALLER" => summary.Size < key.Number,
            "BEFORE" => DateOnly.FromDateTime(summary.InternalDate.UtcDateTime) < key.Date,
            "ON" => DateOnly.FromDateTime(summary.InternalDate.UtcDateTime) == key.Date,
            "SINCE" => DateOnly.FromDateTime(summary.InternalDate.UtcDateTime) >= key.Date,
            "SENTBEFORE" => SentDate(summary) is { } b && b < key.Date,
            "SENTON" => SentDate(summary) is { } o && o == key.Date,
            "SENTSINCE" => SentDate(summary) is { } s && s >= key.Date,
            "FROM" => Contains(summary.Envelope.From, key.Text!),
            "TO" => Contains(summary.Envelope.To, key.Text!),
            "CC" => Contains(summary.Envelope.Cc, key.Text!),
            "BCC" => Contains(summary.Envelope.Bcc, key.Text!),
            "SUBJECT" => Contains(summary.Envelope.Subject, key.Text!),
            _ => false,
        };
    }

    private static SearchTruth Truth(bool value) => value ? SearchTruth.True : SearchTruth.False;

    private static bool BodyContains(MimeMessage message, string text)
    {
        foreach (var part in message.BodyParts.OfType<TextPart>())
        {
            if (part.Text?.Contains(text, StringComparison.OrdinalIgnoreCase) == true)
            {
                return true;
            }
        }

        return false;
    }

    private static DateOnly? SentDate(MessageSummary summary) =>
        summary.Envelope.Date is { } date && DateUtils.TryParse(date, out var value) ? DateOnly.FromDateTime(value.DateTime) : null;

    private static bool Contains(string? header, string text) =>
        header is not null && (text.Length == 0 || Decode(StrictUtf8.GetBytes(header)).Contains(text, StringComparison.OrdinalIgnoreCase));

    private static string Decode(byte[] raw) => Rfc2047.DecodeText(raw);
}
