using System.Security.Cryptography;

namespace OpenMss.Storage;

/// <summary>A recipient of <see cref="IMessageStore.DeliverAsync"/> has no local mailbox. Nothing was stored.</summary>
public sealed class MailboxNotFoundException(string address) : Exception($"No mailbox with address {address} exists.")
{
    public string Address { get; } = address;
}

/// <summary>The folder given to <see cref="IMessageStore.AppendAsync"/> does not exist. Nothing was stored.</summary>
public sealed class FolderNotFoundException(long folderId) : Exception($"No folder with id {folderId} exists.")
{
    public long FolderId { get; } = folderId;
}

/// <summary>
/// <see cref="IQueueStore.RecordAttemptAsync"/> was called by a worker that no longer holds the
/// entry's lease (it expired and another worker took it, or an operator released it with
/// <c>queue retry</c>). Nothing was changed: the current holder records its own attempt.
/// </summary>
public sealed class QueueLeaseLostException(long entryId, string owner)
    : Exception($"Queue entry {entryId} is no longer leased by {owner}; the attempt was not recorded.")
{
    public long EntryId { get; } = entryId;
    public string Owner { get; } = owner;
}

/// <summary>
/// Stored data could not be decrypted: the key file is not the one the data was written with,
/// or the data was altered. Raised instead of returning garbage (AES-GCM authenticates).
/// </summary>
public sealed class StoreDecryptionException : CryptographicException
{
    public StoreDecryptionException(string message) : base(message)
    {
    }

    public StoreDecryptionException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>The database was written by a newer OpenMSS whose schema this build does not know.</summary>
public sealed class SchemaTooNewException(int databaseVersion, int supportedVersion)
    : Exception($"The database schema is at version {databaseVersion}, newer than the version {supportedVersion} this OpenMSS build supports; upgrade OpenMSS.")
{
    public int DatabaseVersion { get; } = databaseVersion;
    public int SupportedVersion { get; } = supportedVersion;
}
