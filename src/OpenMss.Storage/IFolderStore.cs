using System.Collections.Concurrent;

namespace OpenMss.Storage;

/// <summary>
/// The folders of a mailbox and the per-message state an IMAP4rev1 server keeps in them (RFC 3501
/// STORE, EXPUNGE, COPY, CREATE/RENAME/DELETE, STATUS, subscriptions; RFC 6851 MOVE; RFC 4315
/// UIDPLUS; RFC 7162 mod-sequences), and the folder-change signal IMAP IDLE waits on.
/// </summary>
public interface IFolderStore
{
    Task<IReadOnlyList<FolderRecord>> ListFoldersAsync(long mailboxId, CancellationToken cancellationToken = default);

    Task<FolderRecord?> FindFolderAsync(long mailboxId, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes or unsubscribes a folder name of a mailbox (RFC 3501 §6.3.6–6.3.7). Folders are
    /// subscribed by default; a name without a folder may be subscribed too.
    /// </summary>
    Task SetSubscriptionAsync(long mailboxId, string name, bool subscribed, CancellationToken cancellationToken = default);

    /// <summary>The subscribed names of a mailbox: its folders not unsubscribed, plus names subscribed explicitly.</summary>
    Task<IReadOnlyList<string>> ListSubscriptionsAsync(long mailboxId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Raised after the commit of every change made through this store to a folder's messages,
    /// so that IMAP sessions (IDLE, NOOP) learn about it. One node's store only sees its own
    /// writes: a PostgreSQL <c>LISTEN/NOTIFY</c> listener can call <see cref="FolderChangeNotifier.Publish"/> too.
    /// </summary>
    FolderChangeNotifier FolderChanges { get; }

    /// <summary>UID, flags, keywords and mod-sequence of every message of a folder from <paramref name="fromUid"/>, in UID order (no envelope decryption).</summary>
    Task<IReadOnlyList<MessageFlagState>> ListMessageFlagsAsync(long folderId, long fromUid = 1, CancellationToken cancellationToken = default);

    /// <summary>
    /// UID, flags, keywords and mod-sequence of the messages of a folder with UIDs from
    /// <paramref name="fromUid"/> to <paramref name="toUid"/> inclusive, in UID order: what an IMAP
    /// FETCH or SEARCH reads a page at a time instead of keeping every message's flags.
    /// </summary>
    Task<IReadOnlyList<MessageFlagState>> ListMessageFlagsAsync(long folderId, long fromUid, long toUid, CancellationToken cancellationToken = default);

    /// <summary>
    /// The UIDs of a folder as runs of consecutive values, in UID order, computed by the database:
    /// what an IMAP session keeps (a handful of runs for a folder of any size), read without a row
    /// per message in memory.
    /// </summary>
    Task<IReadOnlyList<UidRun>> ListUidRunsAsync(long folderId, CancellationToken cancellationToken = default);

    /// <summary>The lowest UID of a folder's messages without <see cref="MessageFlags.Seen"/>, or null (RFC 3501 <c>UNSEEN</c> response code).</summary>
    Task<long?> FindFirstUnseenUidAsync(long folderId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets, adds or removes flags and keywords of the messages with the given UIDs (absent UIDs
    /// are ignored) and returns their new state. Every changed message gets the folder's next mod-sequence.
    /// </summary>
    Task<IReadOnlyList<MessageFlagState>> StoreFlagsAsync(long folderId, IReadOnlyList<long> uids, FlagOperation operation, MessageFlags flags, IReadOnlyList<string> keywords, CancellationToken cancellationToken = default);

    /// <summary>
    /// Permanently removes the messages flagged <c>\Deleted</c> (only those among <paramref name="uids"/>
    /// when given: RFC 4315 UID EXPUNGE), frees the bytes no longer referenced, and returns the
    /// removed UIDs in ascending order.
    /// </summary>
    Task<IReadOnlyList<long>> ExpungeAsync(long folderId, IReadOnlyList<long>? uids = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Copies (or moves, RFC 6851) messages to another folder of the same mailbox; the bytes are
    /// shared, not duplicated. Returns the UID mapping for RFC 4315 <c>COPYUID</c>.
    /// </summary>
    /// <exception cref="FolderNotFoundException">Either folder does not exist or they belong to different mailboxes.</exception>
    Task<CopyResult> CopyMessagesAsync(long sourceFolderId, IReadOnlyList<long> uids, long targetFolderId, bool move, CancellationToken cancellationToken = default);

    /// <summary>Creates a user folder. Null when a folder of that name exists.</summary>
    Task<FolderRecord?> CreateFolderAsync(long mailboxId, string name, CancellationToken cancellationToken = default);

    /// <summary>Renames a folder and its sub-folders (separator <c>/</c>). False when it does not exist or the new name is taken.</summary>
    Task<bool> RenameFolderAsync(long mailboxId, string name, string newName, CancellationToken cancellationToken = default);

    /// <summary>Deletes a folder (never INBOX) and its messages. False when it does not exist.</summary>
    Task<bool> DeleteFolderAsync(long mailboxId, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// The folder's highest mod-sequence (RFC 7162), bumped by every change to its messages (new,
    /// expunged, moved, re-flagged): a session compares it to know whether anything changed with a
    /// one-row read. Null when the folder does not exist.
    /// </summary>
    Task<long?> GetHighestModSeqAsync(long folderId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The folder's change counters from its own row (no message scan), or null when it does not
    /// exist: what a session polls to learn cheaply whether anything changed.
    /// </summary>
    Task<FolderState?> GetFolderStateAsync(long folderId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Messages of a folder whose mod-sequence is above <paramref name="modSeq"/> (new or re-flagged
    /// since then), in UID order. Expunged messages are not listed: compare the message count.
    /// </summary>
    Task<IReadOnlyList<MessageFlagState>> ListChangedSinceAsync(long folderId, long modSeq, CancellationToken cancellationToken = default);

    /// <summary>The counters of RFC 3501 <c>STATUS</c>, or null when the folder does not exist.</summary>
    Task<FolderStatus?> GetFolderStatusAsync(long folderId, CancellationToken cancellationToken = default);
}

/// <summary>How <see cref="IFolderStore.StoreFlagsAsync"/> combines the given flags with the current ones (RFC 3501 STORE FLAGS, +FLAGS, -FLAGS).</summary>
public enum FlagOperation
{
    Replace,
    Add,
    Remove,
}

/// <summary>The flags of one message after a change.</summary>
public sealed record MessageFlagState(long Uid, MessageFlags Flags, IReadOnlyList<string> Keywords, long ModSeq);

/// <summary>The outcome of a copy or move: the target's UIDVALIDITY and the source → target UIDs, in source order.</summary>
public sealed record CopyResult(long TargetUidValidity, IReadOnlyList<long> SourceUids, IReadOnlyList<long> TargetUids);

/// <summary>A folder's counters as kept on its row.</summary>
/// <summary>UIDs <see cref="FirstUid"/> to <see cref="FirstUid"/> + <see cref="Count"/> - 1, all in the folder.</summary>
public readonly record struct UidRun(long FirstUid, long Count);

public sealed record FolderState(long HighestModSeq, long MessageCount, long UidNext, long UidValidity);

/// <summary>RFC 3501 STATUS counters of one folder.</summary>
public sealed record FolderStatus(long Messages, long Recent, long Unseen, long UidNext, long UidValidity, long HighestModSeq);

/// <summary>
/// Fan-out of "folder changed" signals from the store to open IMAP sessions. It carries no data: a
/// subscriber re-reads what changed, so a missed or duplicated signal is harmless. Changes are
/// published to this process's subscribers at once; on PostgreSQL they also reach the other nodes
/// sharing the database (LISTEN/NOTIFY), which <see cref="CrossProcess"/> then reports.
/// </summary>
public sealed class FolderChangeNotifier
{
    private readonly ConcurrentDictionary<long, ConcurrentDictionary<Subscription, byte>> subscribers = new();
    private volatile Action<long>? forwarder;
    private volatile Action? firstSubscriber;
    private volatile bool crossProcess;

    /// <summary>
    /// Whether changes made by other processes sharing the store are pushed to subscribers too. When
    /// false (SQLite, or the PostgreSQL listener is reconnecting), subscribers must poll to see them.
    /// </summary>
    public bool CrossProcess
    {
        get => crossProcess;
        internal set => crossProcess = value;
    }

    /// <summary>Where this process's changes are sent for the other nodes (set by the PostgreSQL backend).</summary>
    internal Action<long>? Forwarder
    {
        get => forwarder;
        set => forwarder = value;
    }

    /// <summary>Called at each subscription, so that the backend starts listening to other nodes only when someone waits.</summary>
    internal Action? FirstSubscriber
    {
        get => firstSubscriber;
        set => firstSubscriber = value;
    }

    /// <summary>Calls <paramref name="onChange"/> (on the publisher's thread: keep it short) whenever folder <paramref name="folderId"/> changes, until disposed.</summary>
    public IDisposable Subscribe(long folderId, Action onChange)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        var subscription = new Subscription(this, folderId, onChange);
        subscribers.GetOrAdd(folderId, _ => new ConcurrentDictionary<Subscription, byte>()).TryAdd(subscription, 0);
        firstSubscriber?.Invoke();
        return subscription;
    }

    /// <summary>Signals that folder <paramref name="folderId"/> changed (new, removed or re-flagged messages), here and on the other nodes.</summary>
    public void Publish(long folderId)
    {
        PublishLocally(folderId);
        forwarder?.Invoke(folderId);
    }

    /// <summary>Signals this process's subscribers only (a change another node made).</summary>
    internal void PublishLocally(long folderId)
    {
        if (subscribers.TryGetValue(folderId, out var set))
        {
            foreach (var subscription in set.Keys)
            {
                subscription.OnChange();
            }
        }
    }

    /// <summary>Signals every subscriber once (after notifications may have been missed).</summary>
    internal void PublishAllLocally()
    {
        foreach (var folderId in subscribers.Keys)
        {
            PublishLocally(folderId);
        }
    }

    private void Remove(Subscription subscription)
    {
        if (subscribers.TryGetValue(subscription.FolderId, out var set))
        {
            set.TryRemove(subscription, out _);
        }
    }

    private sealed class Subscription(FolderChangeNotifier owner, long folderId, Action onChange) : IDisposable
    {
        public long FolderId { get; } = folderId;

        public Action OnChange { get; } = onChange;

        public void Dispose() => owner.Remove(this);
    }
}
