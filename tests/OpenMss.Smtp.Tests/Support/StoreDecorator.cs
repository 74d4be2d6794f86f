using OpenMss.Storage;

namespace OpenMss.Smtp.Tests.Support;

/// <summary>Passes every call to a real store; tests override the member whose failure they simulate.</summary>
public abstract class StoreDecorator(IMailStore inner) : IMailStore
{
    public virtual Task MigrateAsync(CancellationToken cancellationToken = default) => inner.MigrateAsync(cancellationToken);

    public virtual Task<MailboxRecord> CreateMailboxAsync(NewMailbox mailbox, CancellationToken cancellationToken = default) => inner.CreateMailboxAsync(mailbox, cancellationToken);

    public virtual Task<MailboxRecord?> FindMailboxAsync(string address, CancellationToken cancellationToken = default) => inner.FindMailboxAsync(address, cancellationToken);

    public virtual Task<IReadOnlyList<MailboxRecord>> ListMailboxesAsync(CancellationToken cancellationToken = default) => inner.ListMailboxesAsync(cancellationToken);

    public virtual Task<bool> DeleteMailboxAsync(string address, CancellationToken cancellationToken = default) => inner.DeleteMailboxAsync(address, cancellationToken);

    public virtual Task<IReadOnlyList<FolderRecord>> ListFoldersAsync(long mailboxId, CancellationToken cancellationToken = default) => inner.ListFoldersAsync(mailboxId, cancellationToken);

    public virtual Task<FolderRecord?> FindFolderAsync(long mailboxId, string name, CancellationToken cancellationToken = default) => inner.FindFolderAsync(mailboxId, name, cancellationToken);

    public virtual Task<IReadOnlyList<StoredMessageRef>> DeliverAsync(InboundMessage message, CancellationToken cancellationToken = default) => inner.DeliverAsync(message, cancellationToken);

    public virtual Task<StoredMessageRef> AppendAsync(long folderId, ReadOnlyMemory<byte> raw, MessageFlags flags, DateTimeOffset internalDate, CancellationToken cancellationToken = default) => inner.AppendAsync(folderId, raw, flags, internalDate, cancellationToken);

    public virtual Task<IReadOnlyList<MessageSummary>> ListMessagesAsync(long folderId, long fromUid = 1, int limit = 1000, CancellationToken cancellationToken = default) => inner.ListMessagesAsync(folderId, fromUid, limit, cancellationToken);

    public virtual Task<byte[]?> ReadMessageAsync(long folderId, long uid, CancellationToken cancellationToken = default) => inner.ReadMessageAsync(folderId, uid, cancellationToken);

    public virtual Task<IReadOnlyList<IReadOnlySet<long>?>> FindTextCandidatesAsync(long folderId, IReadOnlyList<string> texts, CancellationToken cancellationToken = default) => inner.FindTextCandidatesAsync(folderId, texts, cancellationToken);

    public virtual IAsyncEnumerable<StoredMessageContent> ReadMessagesAsync(long folderId, IReadOnlyList<long> uids, CancellationToken cancellationToken = default) => inner.ReadMessagesAsync(folderId, uids, cancellationToken);

    public virtual IAsyncEnumerable<SearchText> ReadSearchTextsAsync(long folderId, IReadOnlyList<long> uids, CancellationToken cancellationToken = default) => inner.ReadSearchTextsAsync(folderId, uids, cancellationToken);

    public virtual IAsyncEnumerable<SearchText> ReadSearchTextHeadsAsync(long folderId, IReadOnlyList<long> uids, CancellationToken cancellationToken = default) => inner.ReadSearchTextHeadsAsync(folderId, uids, cancellationToken);

    public virtual Task<IReadOnlyList<long>> EnqueueAsync(OutboundMessage message, CancellationToken cancellationToken = default) => inner.EnqueueAsync(message, cancellationToken);

    public virtual Task<IReadOnlyList<QueueEntry>> LeaseDueAsync(DateTimeOffset now, int max, TimeSpan leaseFor, string owner, CancellationToken cancellationToken = default) => inner.LeaseDueAsync(now, max, leaseFor, owner, cancellationToken);

    public virtual Task<byte[]?> ReadQueuedMessageAsync(long entryId, CancellationToken cancellationToken = default) => inner.ReadQueuedMessageAsync(entryId, cancellationToken);

    public virtual Task<bool> RenewLeaseAsync(long entryId, string owner, DateTimeOffset until, CancellationToken cancellationToken = default) => inner.RenewLeaseAsync(entryId, owner, until, cancellationToken);

    public virtual Task<bool> ReleaseLeaseAsync(long entryId, string owner, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default) => inner.ReleaseLeaseAsync(entryId, owner, nextAttemptAt, cancellationToken);

    public virtual Task RecordAttemptAsync(QueueAttempt attempt, CancellationToken cancellationToken = default) => inner.RecordAttemptAsync(attempt, cancellationToken);

    public virtual Task<IReadOnlyList<QueueEntry>> ListQueueAsync(CancellationToken cancellationToken = default) => inner.ListQueueAsync(cancellationToken);

    public virtual Task<QueueEntry?> FindQueueEntryAsync(long entryId, CancellationToken cancellationToken = default) => inner.FindQueueEntryAsync(entryId, cancellationToken);

    public virtual Task<bool> RetryNowAsync(long entryId, CancellationToken cancellationToken = default) => inner.RetryNowAsync(entryId, cancellationToken);

    public virtual Task<bool> DropAsync(long entryId, CancellationToken cancellationToken = default) => inner.DropAsync(entryId, cancellationToken);

    public virtual Task<long> CountQueueAsync(CancellationToken cancellationToken = default) => inner.CountQueueAsync(cancellationToken);

    public virtual Task AppendAuditAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default) => inner.AppendAuditAsync(auditEvent, cancellationToken);

    public virtual Task<IReadOnlyList<AuditEvent>> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken = default) => inner.QueryAuditAsync(query, cancellationToken);

    public virtual Task<bool> AddMemberAsync(string mailboxAddress, NewMember member, MembershipAudit audit, CancellationToken cancellationToken = default) => inner.AddMemberAsync(mailboxAddress, member, audit, cancellationToken);

    public virtual Task<bool> RemoveMemberAsync(string mailboxAddress, string memberId, MembershipAudit audit, CancellationToken cancellationToken = default) => inner.RemoveMemberAsync(mailboxAddress, memberId, audit, cancellationToken);

    public virtual Task<IReadOnlyList<MailboxMember>> ListMembersAsync(string mailboxAddress, CancellationToken cancellationToken = default) => inner.ListMembersAsync(mailboxAddress, cancellationToken);

    public virtual FolderChangeNotifier FolderChanges => inner.FolderChanges;

    public virtual Task<IReadOnlyList<MessageFlagState>> ListMessageFlagsAsync(long folderId, long fromUid = 1, CancellationToken cancellationToken = default) =>
        inner.ListMessageFlagsAsync(folderId, fromUid, cancellationToken);

    public virtual Task<IReadOnlyList<MessageFlagState>> ListMessageFlagsAsync(long folderId, long fromUid, long toUid, CancellationToken cancellationToken = default) =>
        inner.ListMessageFlagsAsync(folderId, fromUid, toUid, cancellationToken);

    public virtual Task<IReadOnlyList<UidRun>> ListUidRunsAsync(long folderId, CancellationToken cancellationToken = default) =>
        inner.ListUidRunsAsync(folderId, cancellationToken);

    public virtual Task<long?> FindFirstUnseenUidAsync(long folderId, CancellationToken cancellationToken = default) =>
        inner.FindFirstUnseenUidAsync(folderId, cancellationToken);

    public virtual Task<IReadOnlyList<MessageFlagState>> StoreFlagsAsync(long folderId, IReadOnlyList<long> uids, FlagOperation operation, MessageFlags flags, IReadOnlyList<string> keywords, CancellationToken cancellationToken = default) =>
        inner.StoreFlagsAsync(folderId, uids, operation, flags, keywords, cancellationToken);

    public virtual Task<IReadOnlyList<long>> ExpungeAsync(long folderId, IReadOnlyList<long>? uids = null, CancellationToken cancellationToken = default) =>
        inner.ExpungeAsync(folderId, uids, cancellationToken);

    public virtual Task<CopyResult> CopyMessagesAsync(long sourceFolderId, IReadOnlyList<long> uids, long targetFolderId, bool move, CancellationToken cancellationToken = default) =>
        inner.CopyMessagesAsync(sourceFolderId, uids, targetFolderId, move, cancellationToken);

    public virtual Task<FolderRecord?> CreateFolderAsync(long mailboxId, string name, CancellationToken cancellationToken = default) =>
        inner.CreateFolderAsync(mailboxId, name, cancellationToken);

    public virtual Task<bool> RenameFolderAsync(long mailboxId, string name, string newName, CancellationToken cancellationToken = default) =>
        inner.RenameFolderAsync(mailboxId, name, newName, cancellationToken);

    public virtual Task<bool> DeleteFolderAsync(long mailboxId, string name, CancellationToken cancellationToken = default) =>
        inner.DeleteFolderAsync(mailboxId, name, cancellationToken);

    public virtual Task<long?> GetHighestModSeqAsync(long folderId, CancellationToken cancellationToken = default) =>
        inner.GetHighestModSeqAsync(folderId, cancellationToken);

    public virtual Task<FolderState?> GetFolderStateAsync(long folderId, CancellationToken cancellationToken = default) =>
        inner.GetFolderStateAsync(folderId, cancellationToken);

    public virtual Task<IReadOnlyList<MessageFlagState>> ListChangedSinceAsync(long folderId, long modSeq, CancellationToken cancellationToken = default) =>
        inner.ListChangedSinceAsync(folderId, modSeq, cancellationToken);

    public virtual Task<FolderStatus?> GetFolderStatusAsync(long folderId, CancellationToken cancellationToken = default) =>
        inner.GetFolderStatusAsync(folderId, cancellationToken);

    public virtual Task<long> PurgeAuditAsync(DateTimeOffset before, CancellationToken cancellationToken = default) =>
        inner.PurgeAuditAsync(before, cancellationToken);

    public virtual Task SetSubscriptionAsync(long mailboxId, string name, bool subscribed, CancellationToken cancellationToken = default) =>
        inner.SetSubscriptionAsync(mailboxId, name, subscribed, cancellationToken);

    public virtual Task<IReadOnlyList<string>> ListSubscriptionsAsync(long mailboxId, CancellationToken cancellationToken = default) =>
        inner.ListSubscriptionsAsync(mailboxId, cancellationToken);

    public virtual Task<IReadOnlyList<MailboxRecord>> FindMailboxesByOwnerAsync(string ownerId, CancellationToken cancellationToken = default) =>
        inner.FindMailboxesByOwnerAsync(ownerId, cancellationToken);

    public virtual Task<bool> IsMemberAsync(string mailboxAddress, string memberId, CancellationToken cancellationToken = default) => inner.IsMemberAsync(mailboxAddress, memberId, cancellationToken);

    public virtual Task<IReadOnlyList<MailboxMember>> ListMembershipsAsync(string memberId, CancellationToken cancellationToken = default) => inner.ListMembershipsAsync(memberId, cancellationToken);

    public virtual DeliveryEventNotifier Deliveries => inner.Deliveries;

    public virtual void RegisterOutboxConsumer(string consumer) => inner.RegisterOutboxConsumer(consumer);

    public virtual Task<IReadOnlyList<OutboxEntry>> LeaseOutboxAsync(string consumer, int max, TimeSpan leaseFor, CancellationToken cancellationToken = default) =>
        inner.LeaseOutboxAsync(consumer, max, leaseFor, cancellationToken);

    public virtual Task CompleteOutboxAsync(IReadOnlyList<long> outboxIds, CancellationToken cancellationToken = default) =>
        inner.CompleteOutboxAsync(outboxIds, cancellationToken);

    public virtual IDisposable SubscribeOutboxPending(Action onPending) => inner.SubscribeOutboxPending(onPending);

    // The wrapped store is owned by the test, which disposes it.
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
