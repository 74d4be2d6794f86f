using System.Globalization;

namespace OpenMss.Imap.Protocol;

/// <summary>
/// One RFC 3501 §6.4.4 search key. <see cref="Name"/> is the upper-case key (ALL, FROM, OR, NOT,
/// AND for a parenthesised list, SET for a sequence set, UID...).
/// </summary>
public sealed record SearchKey(string Name, IReadOnlyList<SearchKey> Children, string? Text = null, string? Field = null, long Number = 0, DateOnly Date = default, SequenceSet? Set = null);

/// <summary>Parses SEARCH arguments (an optional <c>CHARSET</c>, then keys ANDed together).</summary>
public static class SearchQuery
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    private static readonly HashSet<string> Simple = new(StringComparer.Ordinal)
    {
        "ALL", "ANSWERED", "DELETED", "DRAFT", "FLAGGED", "NEW", "OLD", "RECENT", "SEEN",
        "UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNSEEN",
    };

    private static readonly HashSet<string> TextKeys = new(StringComparer.Ordinal) { "BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO" };

    private static readonly HashSet<string> DateKeys = new(StringComparer.Ordinal) { "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE" };

    /// <summary>Parses the arguments; a charset other than UTF-8 or US-ASCII gives <paramref name="badCharset"/> (a NO [BADCHARSET] reply).</summary>
    public static bool TryParse(IReadOnlyList<ImapNode> arguments, out SearchKey? query, out string error, out bool badCharset)
    {
        query = null;
        error = string.Empty;
        badCharset = false;
        try
        {
            var position = 0;
            if (arguments.Count >= 2 && arguments[0].Kind == ImapNodeKind.Atom && arguments[0].Text.Equals("CHARSET", StringComparison.OrdinalIgnoreCase))
            {
                var charset = arguments[1].Text.ToUpperInvariant();
                if (charset is not ("UTF-8" or "US-ASCII"))
                {
                    badCharset = true;
                    error = "Only UTF-8 and US-ASCII are supported";
                    return false;
                }

                position = 2;
            }

            if (position >= arguments.Count)
            {
                throw new ImapSyntaxException("Missing search criteria");
            }

            var keys = new List<SearchKey>();
            while (position < arguments.Count)
            {
                keys.Add(ParseKey(arguments, ref position, 0));
            }

            query = keys.Count == 1 ? keys[0] : new SearchKey("AND", keys);
            return true;
        }
        catch (ImapSyntaxException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    private static SearchKey ParseKey(IReadOnlyList<ImapNode> args, ref int position, int depth)
    {
        if (depth > 32)
        {
            throw new ImapSyntaxException("Search criteria nested too deeply");
        }

        var node = Next(args, ref position);
        if (node.Kind == ImapNodeKind.List)
        {
            if (node.Children.Count == 0)
            {
                throw new ImapSyntaxException("Empty search list");
            }

            var inner = 0;
            var keys = new List<SearchKey>();
            while (inner < node.Children.Count)
            {
                keys.Add(ParseKey(node.Children, ref inner, depth + 1));
            }

            return new SearchKey("AND", keys);
        }

        if (node.Kind != ImapNodeKind.Atom)
        {
            throw new ImapSyntaxException("Invalid search key");
        }

        var name = node.Text.ToUpperInvariant();
        if (Simple.Contains(name))
        {
            return new SearchKey(name, []);
        }

        if (TextKeys.Contains(name))
        {
            return new SearchKey(name, [], Text: AString(Next(args, ref position)));
        }

        if (DateKeys.Contains(name))
        {
            return new SearchKey(name, [], Date: ParseDate(AString(Next(args, ref position))));
        }

        switch (name)
        {
            case "KEYWORD" or "UNKEYWORD":
                return new SearchKey(name, [], Text: AString(Next(args, ref position)));
            case "HEADER":
                var field = AString(Next(args, ref position));
                return new SearchKey(name, [], Text: AString(Next(args, ref position)), Field: field);
            case "LARGER" or "SMALLER":
                var number = AString(Next(args, ref position));
                if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                {
                    throw new ImapSyntaxException("Invalid number");
                }

                return new SearchKey(name, [], Number: n);
            case "NOT":
                return new SearchKey(name, [ParseKey(args, ref position, depth + 1)]);
            case "OR":
                var left = ParseKey(args, ref position, depth + 1);
                return new SearchKey(name, [left, ParseKey(args, ref position, depth + 1)]);
            case "UID":
                return new SearchKey(name, [], Set: Set(AString(Next(args, ref position))));
        }

        if (SequenceSet.TryParse(node.Text, out var set))
        {
            return new SearchKey("SET", [], Set: set);
        }

        throw new ImapSyntaxException($"Unknown search key {(name.Length > 30 ? name[..30] : name)}");
    }

    /// <summary>Parses an RFC 3501 <c>date</c> (<c>1-Feb-1994</c>).</summary>
    public static DateOnly ParseDate(string text)
    {
        var parts = text.Split('-');
        if (parts.Length == 3
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var day)
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            && Array.FindIndex(Months, m => m.Equals(parts[1], StringComparison.OrdinalIgnoreCase)) is var month and >= 0
            && year is >= 1 and <= 9999 && day >= 1 && day <= DateTime.DaysInMonth(year, month + 1))
        {
            return new DateOnly(year, month + 1, day);
        }

        throw new ImapSyntaxException("Invalid date");
    }

    private static SequenceSet Set(string text) =>
        SequenceSet.TryParse(text, out var set) ? set! : throw new ImapSyntaxException("Invalid sequence set");

    private static ImapNode Next(IReadOnlyList<ImapNode> args, ref int position) =>
        position < args.Count ? args[position++] : throw new ImapSyntaxException("Missing search argument");

    private static string AString(ImapNode node) =>
        node.IsAString ? node.Text : throw new ImapSyntaxException("Expected a string");
}
