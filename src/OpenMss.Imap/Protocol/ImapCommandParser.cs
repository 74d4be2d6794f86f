using System.Text;

namespace OpenMss.Imap.Protocol;

/// <summary>
/// Parses one IMAP command (RFC 3501 §9 grammar) from its lines and the literals between them.
/// The framing (reading lines, announcing and reading literals) is the session's; this class
/// only sees bytes and never throws on bad input: it returns the reason for a <c>BAD</c> reply.
/// </summary>
public static class ImapCommandParser
{
    /// <summary>
    /// Recognises a literal announcement at the end of a line (without its CRLF): <c>{n}</c>
    /// (synchronising) or <c>{n+}</c> (RFC 7888 LITERAL+).
    /// </summary>
    public static bool TryGetLiteralAnnouncement(ReadOnlySpan<byte> line, out long size, out bool nonSynchronizing)
    {
        size = 0;
        nonSynchronizing = false;
        if (line.Length < 3 || line[^1] != (byte)'}')
        {
            return false;
        }

        var open = line.LastIndexOf((byte)'{');
        if (open < 0)
        {
            return false;
        }

        var digits = line[(open + 1)..^1];
        if (digits.Length > 0 && digits[^1] == (byte)'+')
        {
            nonSynchronizing = true;
            digits = digits[..^1];
        }

        if (digits.Length is 0 or > 18)
        {
            return false;
        }

        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            size = (size * 10) + (b - '0');
        }

        return true;
    }

    /// <summary>The tag of a line, for a <c>BAD</c> reply to a command that cannot be parsed ("*" when there is none).</summary>
    public static string PeekTag(ReadOnlySpan<byte> line)
    {
        var end = line.IndexOfAny((byte)' ', (byte)'\r', (byte)'\n');
        var tag = end < 0 ? line : line[..end];
        return tag.Length > 0 && tag.Length <= 64 && IsTag(tag) ? Encoding.ASCII.GetString(tag) : "*";
    }

    /// <summary>Parses a command. <paramref name="lines"/>[i] ends with the announcement of <paramref name="literals"/>[i].</summary>
    public static bool TryParse(IReadOnlyList<byte[]> lines, IReadOnlyList<byte[]> literals, out ImapCommand? command, out string error)
    {
        command = null;
        error = string.Empty;
        try
        {
            var reader = new Reader(lines, literals);
            var tag = reader.ReadTag();
            reader.ExpectSpace();
            var name = reader.ReadAtom().ToUpperInvariant();
            var uid = false;
            if (name == "UID")
            {
                reader.ExpectSpace();
                name = reader.ReadAtom().ToUpperInvariant();
                uid = true;
            }

            var arguments = new List<ImapNode>();
            while (!reader.AtEnd)
            {
                reader.ExpectSpace();
                arguments.Add(reader.ReadNode(0));
            }

            command = new ImapCommand(tag, name, uid, arguments);
            return true;
        }
        catch (ImapSyntaxException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    private static bool IsTag(ReadOnlySpan<byte> tag)
    {
        foreach (var b in tag)
        {
            if (b <= 0x20 || b >= 0x7f || b is (byte)'(' or (byte)')' or (byte)'{' or (byte)'"' or (byte)'\\' or (byte)'%' or (byte)'*' or (byte)'+')
            {
                return false;
            }
        }

        return true;
    }

    private sealed class Reader(IReadOnlyList<byte[]> lines, IReadOnlyList<byte[]> literals)
    {
        private const int MaxDepth = 16;
        private int line;
        private int position;

        private ReadOnlySpan<byte> Current => lines[line].AsSpan(position);

        public bool AtEnd => line >= lines.Count - 1 && position >= lines[line].Length;

        public string ReadTag()
        {
            var span = Current;
            var length = 0;
            while (length < span.Length && span[length] != ' ')
            {
                length++;
            }

            if (length == 0 || !IsTag(span[..length]))
            {
                throw new ImapSyntaxException("Missing or invalid tag");
            }

            position += length;
            return Encoding.ASCII.GetString(span[..length]);
        }

        public void ExpectSpace()
        {
            if (Current.Length == 0 || Current[0] != ' ')
            {
                throw new ImapSyntaxException("Expected a space");
            }

            position++;
        }

        public string ReadAtom()
        {
            var span = Current;
            var length = 0;
            while (length < span.Length && IsPlainAtomChar(span[length]))
            {
                length++;
            }

            if (length == 0)
            {
                throw new ImapSyntaxException("Expected an atom");
            }

            position += length;
            return Encoding.ASCII.GetString(span[..length]);
        }

        public ImapNode ReadNode(int depth)
        {
            if (depth > MaxDepth)
            {
                throw new ImapSyntaxException("Lists nested too deeply");
            }

            var span = Current;
            if (span.Length == 0)
            {
                throw new ImapSyntaxException("Unexpected end of command");
            }

            switch (span[0])
            {
                case (byte)'(':
                    position++;
                    var children = new List<ImapNode>();
                    while (true)
                    {
                        if (Current.Length == 0)
                        {
                            throw new ImapSyntaxException("Unterminated list");
                        }

                        if (Current[0] == ')')
                        {
                            position++;
                            return ImapNode.List(children);
                        }

                        if (children.Count > 0)
                        {
                            ExpectSpace();
                        }

                        children.Add(ReadNode(depth + 1));
                    }

                case (byte)'"':
                    return ReadQuoted();
                case (byte)'{':
                    return ReadLiteral();
                default:
                    return ReadAtomNode();
            }
        }

        private ImapNode ReadQuoted()
        {
            var span = Current;
            var bytes = new List<byte>();
            for (var i = 1; i < span.Length; i++)
            {
                var b = span[i];
                if (b == '"')
                {
                    position += i + 1;
                    return ImapNode.Quoted([.. bytes]);
                }

                if (b == '\\')
                {
                    if (i + 1 >= span.Length || span[i + 1] is not ((byte)'"' or (byte)'\\'))
                    {
                        throw new ImapSyntaxException("Invalid escape in quoted string");
                    }

                    i++;
                    b = span[i];
                }
                else if (b is (byte)'\r' or (byte)'\n' or 0)
                {
                    throw new ImapSyntaxException("Invalid character in quoted string");
                }

                bytes.Add(b);
            }

            throw new ImapSyntaxException("Unterminated quoted string");
        }

        private ImapNode ReadLiteral()
        {
            if (!TryGetLiteralAnnouncement(Current, out _, out _) || line >= literals.Count)
            {
                throw new ImapSyntaxException("Invalid literal");
            }

            var literal = literals[line];
            line++;
            position = 0;
            return ImapNode.Literal(literal);
        }

        private ImapNode ReadAtomNode()
        {
            var span = Current;
            var length = 0;
            var depth = 0;
            while (length < span.Length)
            {
                var b = span[length];
                if (b == '[')
                {
                    depth++;
                }
                else if (b == ']')
                {
                    if (depth == 0)
                    {
                        throw new ImapSyntaxException("Unbalanced ']'");
                    }

                    depth--;
                }
                else if (depth == 0 && !IsPlainAtomChar(b))
                {
                    break;
                }
                else if (depth > 0 && b is (byte)'\r' or (byte)'\n' or 0)
                {
                    throw new ImapSyntaxException("Invalid character");
                }

                length++;
            }

            if (depth != 0)
            {
                throw new ImapSyntaxException("Unterminated '['");
            }

            if (length == 0)
            {
                throw new ImapSyntaxException($"Unexpected character '{(char)span[0]}'");
            }

            position += length;
            return ImapNode.Atom(Encoding.ASCII.GetString(span[..length]));
        }

        // ATOM-CHAR plus list-wildcards, '\' (flags) and '<' '>' '.' (partial fetch): everything but SP, parens, quotes, braces and controls.
        private static bool IsPlainAtomChar(byte b) =>
            b > 0x20 && b < 0x7f && b is not (byte)'(' and not (byte)')' and not (byte)'{' and not (byte)'"' and not (byte)'[' and not (byte)']';
    }
}
