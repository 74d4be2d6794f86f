namespace OpenMss.Storage;

/// <summary>
/// The folders every mailbox is created with, and their RFC 6154 special-use attributes.
/// </summary>
public static class StandardFolders
{
    /// <summary>The inbox; its name is case-insensitive (RFC 3501 §5.1).</summary>
    public const string Inbox = "INBOX";
    public const string Sent = "Sent";
    public const string Drafts = "Drafts";
    public const string Trash = "Trash";
    public const string Archive = "Archive";

    /// <summary>The folders and their special-use attribute (null for INBOX), in creation order.</summary>
    public static IReadOnlyList<(string Name, string? SpecialUse)> All { get; } =
    [
        (Inbox, null),
        (Sent, @"\Sent"),
        (Drafts, @"\Drafts"),
        (Trash, @"\Trash"),
        (Archive, @"\Archive"),
    ];
}
