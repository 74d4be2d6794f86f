using System.Text;
using MimeKit;
using MimeKit.Utils;
using OpenMss.Imap.Protocol;
using OpenMss.Storage;

namespace OpenMss.Imap.Server;

/// <summary>One message as SEARCH sees it; the decrypted bytes are read only when a key needs them.</summary>
internal sealed class SearchCandidate(int sequence, MessageSummary summary, MessageFlagState flags, Func<Task<byte[]?>> readRaw)
{
    private MimeMessage? message;
    private bool loaded;

    public int Sequence { get; } = sequence;

    public MessageSummary Summary { get; } = summary;

    public MessageFlagState Flags { get; } = flags;

    public async Task<MimeMessage?> MessageAsync()
    {
        if (!loaded)
        {
            loaded = true;
            var raw = await readRaw().ConfigureAwait(false);
            if (raw is not null)
            {
                using var stream = new MemoryStream(raw, writable: false);
                message = await MimeMessage.LoadAsync(stream).ConfigureAwait(false);
            }
        }

        return message;
    }
}

/// <summary>
/// Evaluates RFC 3501 §6.4.4 search keys by scanning: flags and envelope from the summaries,
/// decrypting the message only for BODY, TEXT and HEADER keys. Strings match as case-insensitive
/// substrings of the decoded text. (An indexed search is a later goal.)
/// </summary>
internal sealed class SearchEvaluator(int messageCount, long largestUid)
{
    public async Task<bool> MatchesAsync(SearchKey key, SearchCandidate m)
    {
        var flags = m.Flags.Flags;
        switch (key.Name)
        {
            case "ALL": return true;
            case "AND":
                foreach (var child in key.Children)
                {
                    if (!await MatchesAsync(child, m).ConfigureAwait(false))
                    {
                        return false;
                    }
                }

                return true;
            case "OR": return await MatchesAsync(key.Children[0], m).ConfigureAwait(false) || await MatchesAsync(key.Children[1], m).ConfigureAwait(false);
            case "NOT": return !await MatchesAsync(key.Children[0], m).ConfigureAwait(false);
            case "SET": return key.Set!.Contains(m.Sequence, messageCount);
            case "UID": return key.Set!.Contains(m.Summary.Uid, largestUid);
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
            case "LARGER": return m.Summary.Size > key.Number;
            case "SMALLER": return m.Summary.Size < key.Number;
            case "BEFORE": return DateOnly.FromDateTime(m.Summary.InternalDate.UtcDateTime) < key.Date;
            case "ON": return DateOnly.FromDateTime(m.Summary.InternalDate.UtcDateTime) == key.Date;
            case "SINCE": return DateOnly.FromDateTime(m.Summary.InternalDate.UtcDateTime) >= key.Date;
            case "SENTBEFORE": return SentDate(m) is { } b && b < key.Date;
            case "SENTON": return SentDate(m) is { } o && o == key.Date;
            case "SENTSINCE": return SentDate(m) is { } s && s >= key.Date;
            case "FROM": return Contains(m.Summary.Envelope.From, key.Text!);
            case "TO": return Contains(m.Summary.Envelope.To, key.Text!);
            case "CC": return Contains(m.Summary.Envelope.Cc, key.Text!);
            case "BCC": return Contains(m.Summary.Envelope.Bcc, key.Text!);
            case "SUBJECT": return Contains(m.Summary.Envelope.Subject, key.Text!);
            case "HEADER":
                var message = await m.MessageAsync().ConfigureAwait(false);
                if (message is null)
                {
                    return false;
                }

                foreach (var header in message.Headers)
                {
                    if (header.Field.Equals(key.Field, StringComparison.OrdinalIgnoreCase)
                        && (key.Text!.Length == 0 || Decode(header.RawValue).Contains(key.Text, StringComparison.OrdinalIgnoreCase)))
                    {
                        return true;
                    }
                }

                return false;
            case "BODY":
                return await BodyContainsAsync(m, key.Text!).ConfigureAwait(false);
            case "TEXT":
                var whole = await m.MessageAsync().ConfigureAwait(false);
                return whole is not null
                    && (whole.Headers.Any(h => Decode(h.RawValue).Contains(key.Text!, StringComparison.OrdinalIgnoreCase))
                        || await BodyContainsAsync(m, key.Text!).ConfigureAwait(false));
            default:
                return false;
        }
    }

    private static async Task<bool> BodyContainsAsync(SearchCandidate m, string text)
    {
        var message = await m.MessageAsync().ConfigureAwait(false);
        if (message is null)
        {
            return false;
        }

        foreach (var part in message.BodyParts.OfType<TextPart>())
        {
            if (part.Text?.Contains(text, StringComparison.OrdinalIgnoreCase) == true)
            {
                return true;
            }
        }

        return false;
    }

    private static DateOnly? SentDate(SearchCandidate m) =>
        m.Summary.Envelope.Date is { } date && DateUtils.TryParse(date, out var value) ? DateOnly.FromDateTime(value.DateTime) : null;

    private static bool Contains(string? header, string text) =>
        header is not null && (text.Length == 0 || Decode(Encoding.UTF8.GetBytes(header)).Contains(text, StringComparison.OrdinalIgnoreCase));

    private static string Decode(byte[] raw) => Rfc2047.DecodeText(raw);
}
