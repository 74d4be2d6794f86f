using System.Text;
using OpenMss.Core.Text;

namespace OpenMss.Imap.Protocol;

/// <summary>The kinds of values in an IMAP command (RFC 3501 §4: atom, string, parenthesized list).</summary>
public enum ImapNodeKind
{
    Atom,
    QuotedString,
    Literal,
    List,
}

/// <summary>
/// One argument of a parsed command. Atoms keep their text (including bracketed parts such as
/// <c>BODY[HEADER.FIELDS (FROM)]&lt;0.100&gt;</c>); strings keep their bytes (a literal may be a whole message).
/// </summary>
public sealed class ImapNode
{
    private ImapNode(ImapNodeKind kind, string? text, byte[]? bytes, IReadOnlyList<ImapNode>? children)
    {
        Kind = kind;
        this.text = text;
        Bytes = bytes;
        Children = children ?? [];
    }

    private string? text;

    public ImapNodeKind Kind { get; }

    /// <summary>The raw bytes of a string (quoted or literal); null for atoms and lists.</summary>
    public byte[]? Bytes { get; }

    public IReadOnlyList<ImapNode> Children { get; }

    /// <summary>
    /// The atom, or the string decoded as UTF-8; a string that is not well-formed UTF-8 throws
    /// <see cref="ImapSyntaxException"/> (a <c>BAD</c> reply) instead of decoding to a replacement
    /// character that would name another mailbox or search for another string.
    /// </summary>
    public string Text => text ??= Bytes is null ? string.Empty
        : StrictUtf8.TryDecode(Bytes, out var decoded) ? decoded
        : throw new ImapSyntaxException("String is not valid UTF-8");

    public bool IsString => Kind is ImapNodeKind.QuotedString or ImapNodeKind.Literal;

    /// <summary>An atom or a string: what RFC 3501 calls an <c>astring</c>.</summary>
    public bool IsAString => Kind != ImapNodeKind.List;

    public bool IsNil => Kind == ImapNodeKind.Atom && string.Equals(text, "NIL", StringComparison.OrdinalIgnoreCase);

    public static ImapNode Atom(string value) => new(ImapNodeKind.Atom, value, null, null);

    public static ImapNode Quoted(byte[] value) => new(ImapNodeKind.QuotedString, null, value, null);

    public static ImapNode Literal(byte[] value) => new(ImapNodeKind.Literal, null, value, null);

    public static ImapNode List(IReadOnlyList<ImapNode> children) => new(ImapNodeKind.List, null, null, children);

    public override string ToString() => Kind switch
    {
        ImapNodeKind.List => "(" + string.Join(' ', Children) + ")",
        ImapNodeKind.Atom => Text,
        _ => "\"" + Text + "\"",
    };
}

/// <summary>A parsed command: tag, name (upper-case; <c>UID FETCH</c> is name FETCH with <see cref="Uid"/>) and arguments.</summary>
public sealed record ImapCommand(string Tag, string Name, bool Uid, IReadOnlyList<ImapNode> Arguments);

/// <summary>
/// Raised inside the protocol parsers for input that does not follow the grammar; the parsers'
/// public entry points catch it and return the reason, which becomes a <c>BAD</c> reply.
/// </summary>
public sealed class ImapSyntaxException(string reason) : Exception(reason);
