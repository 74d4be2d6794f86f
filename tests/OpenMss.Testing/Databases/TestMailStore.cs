using OpenMss.Storage;

namespace OpenMss.Testing;

/// <summary>
/// A migrated store on a database of its own (see <see cref="TestStores.CreateAsync"/>). It can be
/// closed and reopened on the same data (<see cref="ReopenAsync"/>, a restart); disposing it closes
/// the store and deletes the database.
/// </summary>
public sealed class TestMailStore : IMailStore
{
    private readonly TimeProvider? timeProvider;

    internal TestMailStore(TestDatabase database, IMailStore store, TimeProvider? timeProvider)
    {
        Database = database;
        Store = store;
        this.timeProvider = timeProvider;
    }

    public TestDatabase Database { get; }

    public StoreBackend Backend => Database.Backend;

    /// <summary>Options that open the same database (e.g. for a server under test).</summary>
    public StorageOptions Options => Database.Options;

    /// <summary>The store currently open.</summary>
    public IMailStore Store { get; private set; }

    /// <summary>Closes the store (pending writes complete) and opens a new one on the same database.</summary>
    public async Task ReopenAsync(CancellationToken cancellationToken = default)
    {
        await Store.DisposeAsync();
        Store = await Database.OpenStoreAsync(timeProvider, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await Database.DisposeAsync();
    }

    public Task MigrateAsync(CancellationToken cancellationToken = default) => Store.MigrateAsync(cancellationToken);

    public Task<MailboxRecord> CreateMailboxAsync(NewMailbox mailbox, CancellationToken cancellationToken = default) =>
        Store.CreateMailboxAsync(mailbox, cancellationToken);

    public Task<MailboxRecord?> FindMailboxAsync(string address, CancellationToken cancellationToken = default) =>
        Store.FindMailboxAsync(address, cancellationToken);

    public Task<IReadOnlyList<MailboxRecord>> ListMailboxesAsync(CancellationToken cancellationToken = default) =>
        Store.ListMailboxesAsync(cancellationToken);

    public Task<bool> DeleteMailboxAsync(string address, CancellationToken cancellationToken = default) =>
        Store.DeleteMailboxAsync(address, cancellationToken);

    public Task<IReadOnlyList<FolderRecord>> ListFoldersAsync(long mailboxId, CancellationToken cancellationToken = default) =>
        Store.ListFoldersAsync(mailboxId, cancellationToken);

    public Task<FolderRecord?> FindFolderAsync(long mailboxId, string name, CancellationToken cancellationToken = default) =>
        Store.FindFolderAsync(mailboxId, name, cancellationToken);

    public Task<IReadOnlyList<StoredMessageRef>> DeliverAsync(InboundMessage message, CancellationToken cancellationToken = default) =>
        Store.DeliverAsync(message, cancellationToken);

    public Task<StoredMessageRef> AppendAsync(long folderId, ReadOnlyMemory<byte> raw, MessageFlags flags, DateTimeOffset internalDate, CancellationToken cancellationToken = default) =>
        Store.AppendAsync(folderId, raw, flags, internalDate, cancellationToken);

    public Task<IReadOnlyList<MessageSummary>> ListMessagesAsync(long folderId, long fromUid = 1, int limit = 1000, CancellationToken cancellationToken = default) =>
        Store.ListMessagesAsync(folderId, fromUid, limit, cancellationToken);

    public Task<byte[]?> ReadMessageAsync(long folderId, long uid, CancellationToken cancellationToken = default) =>
        Store.ReadMessageAsync(folderId, uid, cancellationToken);

    public Task<IReadOnlyList<IReadOnlySet<long>?>> FindTextCandidatesAsync(long folderId, IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        Store.FindTextCandidatesAsync(folderId, texts, cancellationToken);

    public IAsyncEnumerable<StoredMessageContent> ReadMessagesAsync(long folderId, IReadOnlyList<long> uids, CancellationToken cancellationToken = default) =>
        Store.ReadMessagesAsync(folderId, uids, cancellationToken);

    public IAsyncEnumerable<SearchText> ReadSearchTextsAsync(long folderId, IReadOnlyList<long> uids, CancellationToken cancellationToken = default) =>
        Store.ReadSearchTextsAsync(folderId, uids, cancellationToken);

    public IAsyncEnumerable<SearchText> ReadSearchTextHeadsAsync(long folderId, IReadOnlyList<long> uids, CancellationToken cancellationToken = default) =>
        Store.ReadSearchTextHeadsAsync(folderId, uids, cancellationToken);

    public Task<IReadOnlyList<long>> EnqueueAsync(OutboundMessage message, CancellationToken cancellationToken = default) =>
        Store.EnqueueAsync(message, cancellationToken);

    public Task<IReadOnlyList<QueueEntry>> LeaseDueAsync(DateTimeOffset now, int max, TimeSpan leaseFor, string owner, CancellationToken cancellationToken = default) =>
        Store.LeaseDueAsync(now, max, leaseFor, owner, cancellationToken);

    public Task<byte[]?> ReadQueuedMessageAsync(long entryId, CancellationToken cancellationToken = default) =>
        Store.ReadQueuedMessageAsync(entryId, cancellationToken);

    public Task<bool> RenewLeaseAsync(long entryId, string owner, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        Store.RenewLeaseAsync(entryId, owner, until, cancellationToken);

    public Task<bool> ReleaseLeaseAsync(long entryId, string owner, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default) =>
        Store.ReleaseLeaseAsync(entryId, owner, nextAttemptAt, cancellationToken);

    public Task RecordAttemptAsync(QueueAttempt attempt, CancellationToken cancellationToken = default) =>
        Store.RecordAttemptAsync(attempt, cancellationToken);

    public Task<IReadOnlyList<QueueEntry>> ListQueueAsync(CancellationToken cancellationToken = default) =>
        Store.ListQueueAsync(cancellationToken);

    public Task<QueueEntry?> FindQueueEntryAsync(long entryId, CancellationToken cancellationToken = default) =>
        Store.FindQueueEntryAsync(entryId, cancellationToken);

    public Task<bool> RetryNowAsync(long entryId, CancellationToken cancellationToken = default) =>
        Store.RetryNowAsync(entryId, cancellationToken);

    public Task<bool> DropAsync(long entryId, CancellationToken cancellationToken = default) =>
        Store.DropAsync(entryId, cancellationToken);

    public Task<long> CountQueueAsync(CancellationToken cancellationToken = default) =>
        Store.CountQueueAsync(cancellationToken);

    public Task AppendAuditAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default) =>
        Store.AppendAuditAsync(auditEvent, cancellationToken);

    public Task<IReadOnlyList<AuditEvent>> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken = default) =>
        Store.QueryAuditAsync(query, cancellationToken);

    public Task<bool> AddMemberAsync(string mailboxAddress, NewMember member, MembershipAudit audit, CancellationToken cancellationToken = default) =>
        Store.AddMemberAsync(mailboxAddress, member, audit, cancellationToken);

    public Task<bool> RemoveMemberAsync(string mailboxAddress, string memberId, MembershipAudit audit, CancellationToken cancellationToken = default) =>
        Store.RemoveMemberAsync(mailboxAddress, memberId, audit, cancellationToken);

    public Task<IReadOnlyList<MailboxMember>> ListMembersAsync(string mailboxAddress, CancellationToken cancellationToken = default) =>
        Store.ListMembersAsync(mailboxAddress, cancellationToken);

    public FolderChangeNotifier FolderChanges => Store.FolderChanges;

    public Task<IReadOnlyList<MessageFlagState>> ListMessageFlagsAsync(long folderId, long fromUid = 1, CancellationToken cancellationToken = default) =>
        Store.ListMessageFlagsAsync(folderId, fromUid, cancellationToken);

    public Task<IReadOnlyList<MessageFlagState>> ListMessageFlagsAsync(long folderId, long fromUid, long toUid, CancellationToken cancellationToken = default) =>
        Store.ListMessageFlagsAsync(folderId, fromUid, toUid, cancellationToken);

    public Task<IReadOnlyList<UidRun>> ListUidRunsAsync(long folderId, CancellationToken cancellationToken = default) =>
        Store.ListUidRunsAsync(folderId, cancellationToken);

    public Task<long?> FindFirstUnseenUidAsync(long folderId, CancellationToken cancellationToken = default) =>
        Store.FindFirstUnseenUidAsync(folderId, cancellationToken);

    public Task<IReadOnlyList<MessageFlagState>> StoreFlagsAsync(long folderId, IReadOnlyList<long> uids, FlagOperation operation, MessageFlags flags, IReadOnlyList<string> keywords, CancellationToken cancellationToken = default) =>
        Store.StoreFlagsAsync(folderId, uids, operation, flags, keywords, cancellationToken);

    public Task<IReadOnlyList<long>> ExpungeAsync(long folderId, IReadOnlyList<long>? uids = null, CancellationToken cancellationToken = default) =>
        Store.ExpungeAsync(folderId, uids, cancellationToken);

    public Task<CopyResult> CopyMessagesAsync(long sourceFolderId, IReadOnlyList<long> uids, long targetFolderId, bool move, CancellationToken cancellationToken = default) =>
        Store.CopyMessagesAsync(sourceFolderId, uids, targetFolderId, move, cancellationToken);

    public Task<FolderRecord?> CreateFolderAsync(long mailboxId, string name, CancellationToken cancellationToken = default) =>
        Store.CreateFolderAsync(mailboxId, name, cancellationToken);

    public Task<bool> RenameFolderAsync(long mailboxId, string name, string newName, CancellationToken cancellationToken = default) =>
        Store.RenameFolderAsync(mailboxId, name, newName, cancellationToken);

    public Task<bool> DeleteFolderAsync(long mailboxId, string name, CancellationToken cancellationToken = default) =>
        Store.DeleteFolderAsync(mailboxId, name, cancellationToken);

    public Task<long?> GetHighestModSeqAsync(long folderId, CancellationToken cancellationToken = default) =>
        Store.GetHighestModSeqAsync(folderId, cancellationToken);

    public Task<FolderState?> GetFolderStateAsync(long folderId, CancellationToken cancellationToken = default) =>
        Store.GetFolderStateAsync(folderId, cancellationToken);

    public Task<IReadOnlyList<MessageFlagState>> ListChangedSinceAsync(long folderId, long modSeq, CancellationToken cancellationToken = default) =>
        Store.ListChangedSinceAsync(folderId, modSeq, cancellationToken);

    public Task<FolderStatus?> GetFolderStatusAsync(long folderId, CancellationToken cancellationToken = default) =>
        Store.GetFolderStatusAsync(folderId, cancellationToken);

    public Task<long> PurgeAuditAsync(DateTimeOffset before, CancellationToken cancellationToken = default) =>
        Store.PurgeAuditAsync(before, cancellationToken);

    public Task SetSubscriptionAsync(long mailboxId, string name, bool subscribed, CancellationToken cancellationToken = default) =>
        Store.SetSubscriptionAsync(mailboxId, name, subscribed, cancellationToken);

    public Task<IReadOnlyList<string>> ListSubscriptionsAsync(long mailboxId, CancellationToken cancellationToken = default) =>
        Store.ListSubscriptionsAsync(mailboxId, cancellationToken);

    public Task<IReadOnlyList<MailboxRecord>> FindMailboxesByOwnerAsync(string ownerId, CancellationToken cancellationToken = default) =>
        Store.FindMailboxesByOwnerAsync(ownerId, cancellationToken);

    public Task<bool> IsMemberAsync(string mailboxAddress, string memberId, CancellationToken cancellationToken = default) =>
        Store.IsMemberAsync(mailboxAddress, memberId, cancellationToken);

    public Task<IReadOnlyList<MailboxMember>> ListMembershipsAsync(string memberId, CancellationToken cancellationToken = default) =>
        Store.ListMembershipsAsync(memberId, cancellationToken);

    public DeliveryEventNotifier Deliveries => Store.Deliveries;

    public void RegisterOutboxConsumer(string consumer) => Store.RegisterOutboxConsumer(consumer);

    public Task<IReadOnlyList<OutboxEntry>> LeaseOutboxAsync(string consumer, int max, TimeSpan leaseFor, CancellationToken cancellationToken = default) =>
        Store.LeaseOutboxAsync(consumer, max, leaseFor, cancellationToken);

    public Task CompleteOutboxAsync(IReadOnlyList<long> outboxIds, CancellationToken cancellationToken = default) =>
        Store.CompleteOutboxAsync(outboxIds, cancellationToken);

    public IDisposable SubscribeOutboxPending(Action onPending) => Store.SubscribeOutboxPending(onPending);
}
