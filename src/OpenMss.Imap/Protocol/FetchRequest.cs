using System.Globalization;

namespace OpenMss.Imap.Protocol;

/// <summary>The data items of RFC 3501 §6.4.5 FETCH.</summary>
public enum FetchItemKind
{
    Flags,
    InternalDate,
    Rfc822Size,
    Envelope,
    BodyStructure,
    Body,
    Uid,
    Section,
    Rfc822,
    Rfc822Header,
    Rfc822Text,
}

/// <summary>A <c>BODY[section]&lt;partial&gt;</c> request.</summary>
/// <param name="Part">The part path (<c>1.2</c> is [1, 2]); empty for the whole message.</param>
/// <param name="Specifier">"", HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT or MIME.</param>
public sealed record BodySection(IReadOnlyList<int> Part, string Specifier, IReadOnlyList<string> Fields, long? PartialStart, long? PartialLength, bool Peek)
{
    /// <summary>The section as written back in the response (<c>BODY[1.HEADER]&lt;0&gt;</c>).</summary>
    public string ResponseLabel
    {
        get
        {
            var section = string.Join('.', Part.Select(p => p.ToString(CultureInfo.InvariantCulture)));
            if (Specifier.Length > 0)
            {
                section = section.Length == 0 ? Specifier : section + "." + Specifier;
            }

            if (Fields.Count > 0)
            {
                section += " (" + string.Join(' ', Fields) + ")";
            }

            var label = "BODY[" + section + "]";
            return PartialStart is { } start ? label + "<" + start.ToString(CultureInfo.InvariantCulture) + ">" : label;
        }
    }
}

public sealed record FetchItem(FetchItemKind Kind, BodySection? Section = null);

/// <summary>Parses the FETCH data item list, macros included (ALL, FAST, FULL).</summary>
public static class FetchRequest
{
    public static bool TryParse(ImapNode node, out IReadOnlyList<FetchItem> items, out string error)
    {
        items = [];
        error = string.Empty;
        var result = new List<FetchItem>();
        try
        {
            if (node.Kind == ImapNodeKind.List)
            {
                if (node.Children.Count == 0)
                {
                    throw new ImapSyntaxException("Empty fetch item list");
                }

                foreach (var child in node.Children)
                {
                    result.Add(ParseItem(child, allowMacro: false)[0]);
                }
            }
            else
            {
                result.AddRange(ParseItem(node, allowMacro: true));
            }
        }
        catch (ImapSyntaxException ex)
        {
            error = ex.Message;
            return false;
        }

        items = result;
        return true;
    }

    private static IReadOnlyList<FetchItem> ParseItem(ImapNode node, bool allowMacro)
    {
        if (node.Kind != ImapNodeKind.Atom)
        {
            throw new ImapSyntaxException("Invalid fetch item");
        }

        var text = node.Text;
        var upper = text.ToUpperInvariant();
        switch (upper)
        {
            case "ALL" when allowMacro:
                return [new(FetchItemKind.Flags), new(FetchItemKind.InternalDate), new(FetchItemKind.Rfc822Size), new(FetchItemKind.Envelope)];
            case "FAST" when allowMacro:
                return [new(FetchItemKind.Flags), new(FetchItemKind.InternalDate), new(FetchItemKind.Rfc822Size)];
            case "FULL" when allowMacro:
                return [new(FetchItemKind.Flags), new(FetchItemKind.InternalDate), new(FetchItemKind.Rfc822Size), new(FetchItemKind.Envelope), new(FetchItemKind.Body)];
            case "FLAGS": return [new(FetchItemKind.Flags)];
            case "INTERNALDATE": return [new(FetchItemKind.InternalDate)];
            case "RFC822.SIZE": return [new(FetchItemKind.Rfc822Size)];
            case "ENVELOPE": return [new(FetchItemKind.Envelope)];
            case "BODYSTRUCTURE": return [new(FetchItemKind.BodyStructure)];
            case "BODY": return [new(FetchItemKind.Body)];
            case "UID": return [new(FetchItemKind.Uid)];
            case "RFC822": return [new(FetchItemKind.Rfc822)];
            case "RFC822.HEADER": return [new(FetchItemKind.Rfc822Header)];
            case "RFC822.TEXT": return [new(FetchItemKind.Rfc822Text)];
        }

        bool peek;
        string rest;
        if (upper.StartsWith("BODY.PEEK[", StringComparison.Ordinal))
        {
            peek = true;
            rest = text[10..];
        }
        else if (upper.StartsWith("BODY[", StringComparison.Ordinal))
        {
            peek = false;
            rest = text[5..];
        }
        else
        {
            throw new ImapSyntaxException($"Unknown fetch item {Truncate(text)}");
        }

        var close = rest.IndexOf(']', StringComparison.Ordinal);
        if (close < 0)
        {
            throw new ImapSyntaxException("Unterminated section");
        }

        var section = ParseSection(rest[..close]);
        var partial = rest[(close + 1)..];
        long? start = null;
        long? length = null;
        if (partial.Length > 0)
        {
            if (partial[0] != '<' || partial[^1] != '>')
            {
                throw new ImapSyntaxException("Invalid partial specifier");
            }

            var numbers = partial[1..^1].Split('.');
            if (numbers.Length != 2
                || !long.TryParse(numbers[0], NumberStyles.None, CultureInfo.InvariantCulture, out var s)
                || !long.TryParse(numbers[1], NumberStyles.None, CultureInfo.InvariantCulture, out var l)
                || l == 0 || s > uint.MaxValue || l > uint.MaxValue)
            {
                throw new ImapSyntaxException("Invalid partial specifier");
            }

            (start, length) = (s, l);
        }

        return [new(FetchItemKind.Section, section with { PartialStart = start, PartialLength = length, Peek = peek })];
    }

    private static BodySection ParseSection(string text)
    {
        var fields = new List<string>();
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var head = space < 0 ? text : text[..space];
        if (space >= 0)
        {
            var list = text[(space + 1)..];
            if (list.Length < 2 || list[0] != '(' || list[^1] != ')')
            {
                throw new ImapSyntaxException("Invalid header field list");
            }

            foreach (var field in list[1..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var name = field.Trim('"');
                if (name.Length == 0 || name.Any(c => c <= ' ' || c >= 127 || c == ':'))
                {
                    throw new ImapSyntaxException("Invalid header field name");
                }

                fields.Add(name.ToUpperInvariant());
            }

            if (fields.Count == 0)
            {
                throw new ImapSyntaxException("Empty header field list");
            }
        }

        var part = new List<int>();
        var specifier = string.Empty;
        var pieces = head.Length == 0 ? [] : head.Split('.');
        var i = 0;
        for (; i < pieces.Length && pieces[i].Length > 0 && char.IsAsciiDigit(pieces[i][0]); i++)
        {
            if (!int.TryParse(pieces[i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n == 0)
            {
                throw new ImapSyntaxException("Invalid section part number");
            }

            part.Add(n);
        }

        if (i < pieces.Length)
        {
            specifier = string.Join('.', pieces[i..]).ToUpperInvariant();
        }

        var valid = specifier switch
        {
            "" or "HEADER" or "TEXT" => fields.Count == 0,
            "HEADER.FIELDS" or "HEADER.FIELDS.NOT" => fields.Count > 0,
            "MIME" => part.Count > 0 && fields.Count == 0,
            _ => false,
        };
        if (!valid)
        {
            throw new ImapSyntaxException("Invalid section specifier");
        }

        return new BodySection(part, specifier, fields, null, null, false);
    }

    private static string Truncate(string text) => text.Length > 40 ? text[..40] : text;
}
