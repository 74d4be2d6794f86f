namespace OpenMss.Storage;

/// <summary>
/// Messages and their delivery: delivering to recipients' INBOX, appending to a folder, reading
/// messages, and the reads of IMAP SEARCH and FETCH over many messages (RFC 3501 §6.4.4, §6.4.5):
/// the per-message search filters, and message bytes a chunk of UIDs per query.
/// </summary>
public interface IMessageStore
{
    /// <summary>
    /// Delivers one message to the INBOX of each recipient mailbox in one transaction; the bytes
    /// are stored once whatever the number of recipients. Durable when the task completes.
    /// Recipients are matched case-insensitively and a mailbox listed twice gets one copy; the
    /// result follows the order of the distinct recipients.
    /// </summary>
    /// <exception cref="MailboxNotFoundException">A recipient has no mailbox; nothing was stored for anyone.</exception>
    Task<IReadOnlyList<StoredMessageRef>> DeliverAsync(InboundMessage message, CancellationToken cancellationToken = default);

    /// <summary>Appends a message to one folder (Sent copy, notification, IMAP APPEND). Durable on completion.</summary>
    /// <exception cref="FolderNotFoundException">The folder does not exist.</exception>
    Task<StoredMessageRef> AppendAsync(long folderId, ReadOnlyMemory<byte> raw, MessageFlags flags, DateTimeOffset internalDate, CancellationToken cancellationToken = default);

    /// <summary>Lists the messages of a folder in UID order, starting at <paramref name="fromUid"/>.</summary>
    Task<IReadOnlyList<MessageSummary>> ListMessagesAsync(long folderId, long fromUid = 1, int limit = 1000, CancellationToken cancellationToken = default);

    /// <summary>Reads the raw RFC 5322 bytes of a message (decrypted), or null when absent.</summary>
    Task<byte[]?> ReadMessageAsync(long folderId, long uid, CancellationToken cancellationToken = default);

    // ---- Search and multi-message reads -------------------------------------------------

    /// <summary>
    /// For each of <paramref name="texts"/>, the UIDs of the folder's messages that may contain it,
    /// case-insensitively, in a header value or a text part (a superset of those that do: the
    /// caller verifies each candidate), read from the per-message search filters in one pass and
    /// without decrypting any message. A null set means every message is a candidate: the text is
    /// shorter than three characters. Messages stored without a filter are in every set.
    /// </summary>
    Task<IReadOnlyList<IReadOnlySet<long>?>> FindTextCandidatesAsync(long folderId, IReadOnlyList<string> texts, CancellationToken cancellationToken = default);

    /// <summary>
    /// The decrypted bytes of the messages with the given UIDs (absent ones are skipped), in
    /// ascending UID order, read a few hundred per query; one message is held in memory at a time.
    /// </summary>
    IAsyncEnumerable<StoredMessageContent> ReadMessagesAsync(long folderId, IReadOnlyList<long> uids, CancellationToken cancellationToken = default);

    /// <summary>
    /// The decrypted <see cref="SearchText"/> of the messages with the given UIDs, in ascending UID
    /// order, a chunk per query. Messages stored without one (before schema version 5, or not
    /// parseable as MIME) are skipped: SEARCH verifies those from their bytes.
    /// </summary>
    IAsyncEnumerable<SearchText> ReadSearchTextsAsync(long folderId, IReadOnlyList<long> uids, CancellationToken cancellationToken = default);

    /// <summary>
    /// The decrypted heads of those search texts (<see cref="SearchText.IsHead"/>: the first bytes
    /// of each, or the whole text when it is short), in ascending UID order, a chunk per query:
    /// much cheaper to read, they decide every message whose match is near the start. Messages
    /// stored without one (before schema version 6) are skipped: read their whole text.
    /// </summary>
    IAsyncEnumerable<SearchText> ReadSearchTextHeadsAsync(long folderId, IReadOnlyList<long> uids, CancellationToken cancellationToken = default);
}

/// <summary>One message's decrypted RFC 5322 bytes, as <see cref="IMessageStore.ReadMessagesAsync"/> returns them.</summary>
public sealed record StoredMessageContent(long Uid, byte[] Raw);
