using OpenMss.Storage;

namespace OpenMss.Imap.Server;

/// <summary>
/// What a session knows of its selected folder, so that changes by other sessions are reported as
/// EXISTS, EXPUNGE and FETCH FLAGS (RFC 3501 §7.3, §7.4): its sequence numbers (a
/// <see cref="SequenceMap"/>, runs of UIDs) and the folder's mod-sequence when it last reported.
/// Flags are not kept: the store's mod-sequences say which ones changed, so the memory does not
/// grow with the folder (docs/protocols.md).
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

    /// <summary>The sequence numbers as the client knows them: changed only when EXPUNGE or EXISTS is reported.</summary>
    public SequenceMap Messages { get; set; } = new();

    /// <summary>The folder's mod-sequence when the session last listed it: unchanged means nothing to report.</summary>
    public long HighestModSeq { get; set; } = -1;

    /// <summary>
    /// Flags this session itself reported (STORE, FETCH setting \Seen) since its last
    /// <see cref="HighestModSeq"/>: the next report skips them when they did not change again.
    /// Emptied by every report, so it holds at most what one command changed.
    /// </summary>
    public Dictionary<long, MessageFlagState> ToldFlags { get; } = [];

    /// <summary>Waits for a change signal or the timeout; true when signalled.</summary>
    public Task<bool> WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken) => signal.WaitAsync(timeout, cancellationToken);

    /// <summary>The sequence number of a UID (1-based), or 0.</summary>
    public int SequenceOf(long uid) => Messages.SequenceOf(uid);

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
