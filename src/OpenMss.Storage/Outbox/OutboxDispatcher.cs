using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OpenMss.Storage.Outbox;

/// <summary>
/// Runs one durable consumer of the delivery outbox (<see cref="IDeliveryOutbox"/>): leases the
/// consumer's pending rows oldest first, hands each to the handler, and deletes those handled. It
/// wakes when a commit writes outbox rows (on this node, or on another through PostgreSQL
/// <c>NOTIFY</c>), and otherwise every <see cref="OutboxDispatcherOptions.SafetyPoll"/> on the
/// <see cref="TimeProvider"/>, since a wake-up may be lost. Several nodes may run the same
/// consumer: they share its rows through leases.
/// </summary>
/// <remarks>
/// At least once: a node that dies after handling a row and before deleting it leaves the row to
/// be handled again when its lease runs out, so the handler must be idempotent by
/// <see cref="OutboxEntry.Id"/>. A handler that throws stops the batch; the row that failed and
/// those after it stay leased and are tried again once <see cref="OutboxDispatcherOptions.LeaseDuration"/>
/// has passed. Storage never calls a protocol: the handler (a notification sender, say) is
/// plugged in by the composition root.
/// </remarks>
public sealed partial class OutboxDispatcher : IAsyncDisposable
{
    private readonly IDeliveryOutbox outbox;
    private readonly string consumer;
    private readonly Func<OutboxEntry, CancellationToken, ValueTask> handler;
    private readonly OutboxDispatcherOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly SemaphoreSlim wake = new(0, 1);
    private readonly CancellationTokenSource stop = new();
    private IDisposable? subscription;
    private Task? loop;
    private int disposed;

    /// <param name="outbox">The store's outbox; the consumer must be registered on it (<see cref="IDeliveryOutbox.RegisterOutboxConsumer"/>).</param>
    /// <param name="consumer">The consumer's name, e.g. <c>patient-notifications</c>.</param>
    /// <param name="handler">Handles one event; returns once it is done for good (the row is then deleted).</param>
    public OutboxDispatcher(
        IDeliveryOutbox outbox,
        string consumer,
        Func<OutboxEntry, CancellationToken, ValueTask> handler,
        OutboxDispatcherOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<OutboxDispatcher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentException.ThrowIfNullOrWhiteSpace(consumer);
        ArgumentNullException.ThrowIfNull(handler);
        this.outbox = outbox;
        this.consumer = consumer;
        this.handler = handler;
        this.options = options ?? new OutboxDispatcherOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(this.options.BatchSize);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(this.options.LeaseDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(this.options.SafetyPoll, TimeSpan.Zero);
        time = timeProvider ?? TimeProvider.System;
        this.logger = logger ?? NullLogger<OutboxDispatcher>.Instance;
    }

    /// <summary>Starts the loop; it first catches up with every row left pending (a restart).</summary>
    public void Start()
    {
        if (loop is not null)
        {
            throw new InvalidOperationException("The dispatcher is already started.");
        }

        subscription = outbox.SubscribeOutboxPending(Wake);
        loop = Task.Run(() => RunAsync(stop.Token));
    }

    /// <summary>Makes the loop look for pending rows now (what a committed delivery does).</summary>
    public void Wake()
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
            // Stopped meanwhile.
        }
    }

    /// <summary>Stops the loop; an event being handled is cancelled and its row stays pending.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        subscription?.Dispose();
        await stop.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        stop.Dispose();
        wake.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                while (await DispatchBatchAsync(cancellationToken).ConfigureAwait(false))
                {
                    // A full batch went through: there may be more.
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The store is unreachable, say: try again at the next wake-up or poll.
                LogDispatchFailed(logger, consumer, ex);
            }

            await WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Handles one leased batch; true when it was full and every row of it was handled.</summary>
    private async Task<bool> DispatchBatchAsync(CancellationToken cancellationToken)
    {
        var entries = await outbox.LeaseOutboxAsync(consumer, options.BatchSize, options.LeaseDuration, cancellationToken).ConfigureAwait(false);
        var handled = new List<long>(entries.Count);
        var failed = false;
        foreach (var entry in entries)
        {
            try
            {
                await handler(entry, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Never the event's content in the log: its outbox id says which row.
                LogHandlerFailed(logger, consumer, entry.Id, options.LeaseDuration.TotalSeconds, ex);
                failed = true;
                break;
            }

            handled.Add(entry.Id);
        }

        // Deleting what was handled is not cut short by a shutdown: it would only be handled again.
        await outbox.CompleteOutboxAsync(handled, CancellationToken.None).ConfigureAwait(false);
        return !failed && entries.Count == options.BatchSize;
    }

    private async Task WaitAsync(CancellationToken cancellationToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var woken = wake.WaitAsync(waiting.Token);
        var poll = Task.Delay(options.SafetyPoll, time, waiting.Token);
        await Task.WhenAny(woken, poll).ConfigureAwait(false);
        await waiting.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(woken, poll).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The one that did not finish was cancelled.
        }
    }

    [LoggerMessage(EventId = 80, Level = LogLevel.Warning, Message = "Outbox consumer {Consumer} could not read its pending rows; retrying at the next wake-up")]
    private static partial void LogDispatchFailed(ILogger logger, string consumer, Exception exception);

    [LoggerMessage(EventId = 81, Level = LogLevel.Warning, Message = "Outbox consumer {Consumer} failed on row {OutboxId}; retrying it in {LeaseSeconds} s")]
    private static partial void LogHandlerFailed(ILogger logger, string consumer, long outboxId, double leaseSeconds, Exception exception);
}

/// <summary>How an <see cref="OutboxDispatcher"/> paces itself.</summary>
public sealed class OutboxDispatcherOptions
{
    /// <summary>Rows leased at a time.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>How long a leased row is kept from the other nodes: longer than handling a batch takes.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the outbox is read without a wake-up (one may be lost: a node down, a listener reconnecting).</summary>
    public TimeSpan SafetyPoll { get; set; } = TimeSpan.FromMinutes(1);
}
