using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OpenMss.Storage.Postgres;

/// <summary>
/// Carries "folder changed" signals between the operator nodes that share one PostgreSQL database
/// (scale-out, docs/architecture.md): every change published on this node is sent with <c>NOTIFY</c> on one
/// channel, and a dedicated connection <c>LISTEN</c>s to it and republishes the other nodes' changes
/// to this node's subscribers (IMAP sessions in IDLE). Signals carry folder ids only, never content.
/// A lost notification is harmless: subscribers still re-read on their fallback poll, and after the
/// listening connection is re-established every subscribed folder is signalled once to catch up.
/// </summary>
internal sealed partial class PostgresFolderChanges : IAsyncDisposable
{
    /// <summary>The notification channel shared by every node of an operator.</summary>
    internal const string Channel = "openmss_folder_changes";

    // PostgreSQL caps a payload below 8,000 bytes.
    private const int MaxPayloadChars = 7000;

    private static readonly TimeSpan ListenerHeartbeat = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(30);

    private readonly NpgsqlDataSource sender;
    private readonly string listenerConnectionString;
    private readonly FolderChangeNotifier notifier;
    private readonly ILogger logger;
    private readonly string node = Guid.NewGuid().ToString("N");
    private readonly HashSet<long> pending = [];
    private readonly SemaphoreSlim wake = new(0, 1);
    private readonly CancellationTokenSource stop = new();
    private readonly Task sendLoop;
    private readonly Lock gate = new();
    private Task? listenLoop;

    public PostgresFolderChanges(NpgsqlDataSource sender, string connectionString, FolderChangeNotifier notifier, ILogger logger)
    {
        this.sender = sender;
        this.notifier = notifier;
        this.logger = logger;

        // Its own connection, outside the pool: a LISTEN is session state that must not leak into
        // pooled connections (the store's pool skips DISCARD ALL).
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            KeepAlive = 15,
            ApplicationName = "openmss-folder-changes",
        };
        listenerConnectionString = builder.ConnectionString;
        notifier.Forwarder = Forward;
        notifier.FirstSubscriber = StartListening;
        sendLoop = SendLoopAsync(stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        notifier.Forwarder = null;
        notifier.FirstSubscriber = null;
        notifier.CrossProcess = false;

        // Flush what this node changed last (e.g. a CLI command that exits) before stopping.
        Release();
        await stop.CancelAsync().ConfigureAwait(false);
        await WaitQuietly(sendLoop).ConfigureAwait(false);
        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        Task? listening;
        lock (gate)
        {
            listening = listenLoop;
        }

        if (listening is not null)
        {
            await WaitQuietly(listening).ConfigureAwait(false);
        }

        stop.Dispose();
        wake.Dispose();
    }

    private void Forward(long folderId)
    {
        lock (gate)
        {
            pending.Add(folderId);
        }

        Release();
    }

    private void StartListening()
    {
        lock (gate)
        {
            if (listenLoop is null && !stop.IsCancellationRequested)
            {
                listenLoop = ListenLoopAsync(stop.Token);
            }
        }
    }

    private void Release()
    {
        try
        {
            if (wake.CurrentCount == 0)
            {
                wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already awake: the loop takes everything pending.
        }
        catch (ObjectDisposedException)
        {
            // Disposed meanwhile: nothing more is sent.
        }
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await wake.WaitAsync(cancellationToken).ConfigureAwait(false);
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // Other nodes will see the change at their next poll.
                LogSendFailed(logger, ex);
            }
        }
    }

    /// <summary>Sends every pending folder id, a few thousand per notification, in one round trip.</summary>
    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        long[] ids;
        lock (gate)
        {
            if (pending.Count == 0)
            {
                return;
            }

            ids = [.. pending];
            pending.Clear();
        }

        var payloads = new List<string>();
        var payload = new StringBuilder(node).Append(':');
        var empty = payload.Length;
        foreach (var id in ids)
        {
            if (payload.Length > MaxPayloadChars)
            {
                payloads.Add(payload.ToString(0, payload.Length - 1));
                payload.Length = empty;
            }

            payload.Append(id.ToString(CultureInfo.InvariantCulture)).Append(',');
        }

        payloads.Add(payload.ToString(0, payload.Length - 1));
        var batch = sender.CreateBatch();
        await using (batch.ConfigureAwait(false))
        {
            foreach (var text in payloads)
            {
                var command = new NpgsqlBatchCommand("SELECT pg_notify(@channel, @payload)");
                command.Parameters.AddWithValue("channel", Channel);
                command.Parameters.AddWithValue("payload", text);
                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ListenLoopAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        var connectedBefore = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var connection = new NpgsqlConnection(listenerConnectionString);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += OnNotification;
                    await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                    var listen = new NpgsqlCommand($"LISTEN {Channel}", connection);
                    await using (listen.ConfigureAwait(false))
                    {
                        await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    notifier.CrossProcess = true;
                    delay = TimeSpan.FromMilliseconds(250);
                    if (connectedBefore)
                    {
                        // Notifications sent while disconnected are lost: have everyone re-read once.
                        notifier.PublishAllLocally();
                    }

                    connectedBefore = true;
                    LogListening(logger);
                    while (!cancellationToken.IsCancellationRequested)
                    {
                        if (!await connection.WaitAsync(ListenerHeartbeat, cancellationToken).ConfigureAwait(false))
                        {
                            // Quiet for a while: make sure the connection is still alive.
                            var ping = new NpgsqlCommand("SELECT 1", connection);
                            await using (ping.ConfigureAwait(false))
                            {
                                await ping.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                            }
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
            {
                notifier.CrossProcess = false;
                LogListenFailed(logger, delay.TotalSeconds, ex);
            }

            try
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        var payload = e.Payload.AsSpan();
        var colon = payload.IndexOf(':');
        if (colon < 0 || payload[..colon].SequenceEqual(node))
        {
            // Not ours to read, or this node's own change, already published locally.
            return;
        }

        foreach (var range in payload[(colon + 1)..].Split(','))
        {
            if (long.TryParse(payload[(colon + 1)..][range], NumberStyles.None, CultureInfo.InvariantCulture, out var folderId))
            {
                notifier.PublishLocally(folderId);
            }
        }
    }

    private static async Task WaitQuietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Listening for folder changes from the other nodes")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning, Message = "Folder change listener lost its connection; reconnecting in {DelaySeconds} s (IDLE falls back to polling)")]
    private static partial void LogListenFailed(ILogger logger, double delaySeconds, Exception exception);

    [LoggerMessage(EventId = 62, Level = LogLevel.Warning, Message = "Could not notify the other nodes of folder changes; they will see them at their next poll")]
    private static partial void LogSendFailed(ILogger logger, Exception exception);
}
