using OpenMss.Storage;

namespace OpenMss.Imap.Server;

/// <summary>
/// What a session knows of its selected folder: the UIDs in sequence order and their flags as
/// last told to the client, so that changes by other sessions are reported as EXISTS, EXPUNGE and
/// FETCH FLAGS (RFC 3501 §7.3, §7.4).
/// </summary>
internal sealed class SelectedFolder : IDisposable
{
    private readonly IDisposable subscription;
    private readonly SemaphoreSlim signal = new(0, 1);

    public SelectedFolder(FolderRecord folder, bool readOnly, FolderChangeNotifier? notifier)
    {
        Folder = folder;
        ReadOnly = readOnly;
        subscription = notifier?.Subscribe(folder.Id, Signal) ?? EmptyDisposable.Instance;
    }

    public FolderRecord Folder { get; }

    public bool ReadOnly { get; }

    public List<long> Uids { get; } = [];

    /// <summary>The folder's mod-sequence when the session last listed it: unchanged means nothing to report.</summary>
    public long HighestModSeq { get; set; } = -1;

    public Dictionary<long, MessageFlagState> Flags { get; } = [];

    /// <summary>Waits for a change signal or the timeout; true when signalled.</summary>
    public Task<bool> WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken) => signal.WaitAsync(timeout, cancellationToken);

    /// <summary>The sequence number of a UID (1-based), or 0.</summary>
    public int SequenceOf(long uid)
    {
        var index = Uids.BinarySearch(uid);
        return index >= 0 ? index + 1 : 0;
    }

    public void Dispose()
    {
        subscription.Dispose();
        signal.Dispose();
    }

    private void Signal()
    {
        try
        {
            if (signal.CurrentCount == 0)
            {
                signal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one pending signal is enough, the session re-reads everything.
        }
        catch (ObjectDisposedException)
        {
            // The session deselected the folder meanwhile.
        }
    }

    private sealed class EmptyDisposable : IDisposable
    {
        public static readonly EmptyDisposable Instance = new();

        public void Dispose()
        {
        }
    }
}
