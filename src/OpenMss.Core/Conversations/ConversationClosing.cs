using System.Globalization;

namespace OpenMss.Core.Conversations;

/// <summary>
/// How a health professional closes a conversation with a patient in Mon espace santé: a message
/// whose subject holds the word <c>FIN</c> in capitals (<c>[FIN]</c> included), or that carries the
/// header <c>X-MSS-MES: FIN</c>; and how OpenMSS's own tools mark a message that closes one (both).
/// </summary>
/// <remarks>
/// <para>
/// The rule reads the subject as a person reads it: decoded. A subject sent as RFC 2047 encoded
/// words (<c>=?utf-8?q?RE=3A_r=C3=A9sultats_=5BFIN=5D?=</c>) is decoded by the MIME parser
/// (MimeKit's <c>MimeMessage.Subject</c>) before it reaches <see cref="SubjectCloses"/>; the raw,
/// still encoded header value is not what the rule expects, and it would not see <c>FIN</c> in a
/// base64 encoded word.
/// </para>
/// <para>
/// "A whole word" means: the three capital letters <c>F</c>, <c>I</c>, <c>N</c> (ASCII, exactly;
/// <c>fin</c>, <c>Fin</c> and the full-width <c>ＦＩＮ</c> do not close), neither preceded nor followed
/// by a word character. Word characters are Unicode letters, digits, combining marks and connector
/// punctuation (the underscore), so <c>FINESS</c>, <c>FINAL</c>, <c>AFIN</c>, <c>FIN2</c>, <c>FIN_</c> and
/// <c>FIN</c> followed by a combining accent do not close. Everything else is a boundary: spaces
/// (no-break spaces included), ASCII punctuation, and Unicode punctuation and symbols such as
/// <c>«FIN»</c>, <c>–FIN–</c>, <c>FIN…</c> or <c>’FIN’</c>. A hyphen is a boundary too, so a professional
/// who writes <c>FIN-DE-TRAITEMENT</c> in capitals closes the conversation: capitals are the
/// professional's explicit signal, and closing too eagerly only asks the patient to write again
/// later, whereas not closing would let a conversation the professional meant to end go on.
/// </para>
/// </remarks>
public static class ConversationClosing
{
    /// <summary>The header that closes a conversation (compared without regard to case).</summary>
    public const string HeaderName = "X-MSS-MES";

    /// <summary>The value of <see cref="HeaderName"/> that closes a conversation.</summary>
    public const string HeaderValue = "FIN";

    /// <summary>The word that closes a conversation when it stands alone in a subject.</summary>
    public const string Word = "FIN";

    /// <summary>What OpenMSS's tools append to the subject of a closing message.</summary>
    public const string SubjectMarker = "[FIN]";

    /// <summary>
    /// Whether a professional's message closes the conversation it belongs to: its decoded
    /// <paramref name="subject"/> holds <c>FIN</c> as a whole word, or one of its
    /// <paramref name="headers"/> is <c>X-MSS-MES: FIN</c>.
    /// </summary>
    /// <param name="subject">The decoded subject (RFC 2047 encoded words already decoded), or null.</param>
    /// <param name="headers">The message's header fields, name and unfolded value.</param>
    public static bool Closes(string? subject, IEnumerable<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return SubjectCloses(subject) || headers.Any(h => HeaderCloses(h.Key, h.Value));
    }

    /// <summary>Whether the decoded subject holds the word <c>FIN</c> in capitals as a whole word.</summary>
    public static bool SubjectCloses(string? subject)
    {
        if (string.IsNullOrEmpty(subject))
        {
            return false;
        }

        var from = 0;
        while (from <= subject.Length - Word.Length)
        {
            var at = subject.IndexOf(Word, from, StringComparison.Ordinal);
            if (at < 0)
            {
                return false;
            }

            var end = at + Word.Length;
            if ((at == 0 || !IsWordCharacter(subject, at - 1)) && (end == subject.Length || !IsWordCharacter(subject, end)))
            {
                return true;
            }

            from = at + 1;
        }

        return false;
    }

    /// <summary>
    /// Whether one header field is <c>X-MSS-MES: FIN</c>: the name without regard to case, the value
    /// trimmed. The value is compared without regard to case as well: unlike a subject, the header
    /// is a machine flag with no prose a lower-case <c>fin</c> could belong to.
    /// </summary>
    public static bool HeaderCloses(string? name, string? value) =>
        name is not null
        && value is not null
        && string.Equals(name.Trim(), HeaderName, StringComparison.OrdinalIgnoreCase)
        && string.Equals(value.Trim(), HeaderValue, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The subject of a message that OpenMSS's own tools send to close a conversation:
    /// <paramref name="subject"/> with <c> [FIN]</c> at its end, unless it already ends with
    /// <c>[FIN]</c> (so that closing twice does not mark twice).
    /// </summary>
    public static string ClosingSubject(string? subject)
    {
        var trimmed = (subject ?? string.Empty).TrimEnd();
        if (trimmed.EndsWith(SubjectMarker, StringComparison.Ordinal))
        {
            return trimmed;
        }

        return trimmed.Length == 0 ? SubjectMarker : trimmed + " " + SubjectMarker;
    }

    /// <summary>
    /// Marks a message sent by OpenMSS's own tools as closing its conversation: the subject ends
    /// with <c> [FIN]</c> (<see cref="ClosingSubject"/>) and the header fields hold exactly one
    /// <c>X-MSS-MES: FIN</c> (any earlier <c>X-MSS-MES</c> field is replaced). Marking a message
    /// already marked changes nothing.
    /// </summary>
    /// <param name="subject">The decoded subject, or null.</param>
    /// <param name="headers">The other header fields of the message, in order; <c>Subject</c> is not expected among them.</param>
    public static ClosingMarks MarkClosing(string? subject, IEnumerable<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var kept = headers
            .Where(h => !string.Equals(h.Key.Trim(), HeaderName, StringComparison.OrdinalIgnoreCase))
            .ToList();
        kept.Add(new KeyValuePair<string, string>(HeaderName, HeaderValue));
        return new ClosingMarks(ClosingSubject(subject), kept);
    }

    private static bool IsWordCharacter(string text, int index)
    {
        var category = char.GetUnicodeCategory(text, index);
        if (char.IsLowSurrogate(text[index]) && index > 0 && char.IsHighSurrogate(text[index - 1]))
        {
            // A letter outside the BMP before the word: classify the whole pair.
            category = char.GetUnicodeCategory(text, index - 1);
        }

        return category switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => true,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => true,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => true,
            UnicodeCategory.ConnectorPunctuation => true,
            _ => false,
        };
    }
}

/// <summary>The subject and header fields of a message marked as closing its conversation (<see cref="ConversationClosing.MarkClosing"/>).</summary>
/// <param name="Subject">The subject, ending with <c>[FIN]</c>.</param>
/// <param name="Headers">The header fields, with exactly one <c>X-MSS-MES: FIN</c>.</param>
public sealed record ClosingMarks(string Subject, IReadOnlyList<KeyValuePair<string, string>> Headers);
