namespace OpenMss.Storage;

/// <summary>
/// Reads for IMAP SEARCH and FETCH over many messages (RFC 3501 §6.4.4, §6.4.5): the per-message
/// search filters, and message bytes a chunk of UIDs per query.
/// </summary>
public partial interface IMailStore
{
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

/// <summary>One message's decrypted RFC 5322 bytes, as <see cref="IMailStore.ReadMessagesAsync"/> returns them.</summary>
public sealed record StoredMessageContent(long Uid, byte[] Raw);
