using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Queue.Notifications;
using OpenMss.Queue.Submission;
using OpenMss.Storage;
using OpenMss.Trust;

namespace OpenMss.Queue.Delivery;

/// <summary>
/// The outbound delivery queue's worker (issue 2, point 6: no message is lost): leases due
/// entries from the store, makes one attempt per entry (one destination domain, all its pending
/// recipients), records the outcome, retries with exponential backoff on temporary failures,
/// and sends RFC 3464 notifications: failure at once on 5xx or after
/// <see cref="DeliveryQueueOptions.GiveUpAfter"/>, one delay report after
/// <see cref="DeliveryQueueOptions.DelayNotificationAfter"/>, and "relayed" when success was
/// asked and the next hop does not support DSN.
/// </summary>
/// <remarks>
/// <para>The queue lives in the store: entries are leased row by row, so a worker that dies
/// loses nothing (its leases expire and any worker takes the entries over) and several nodes may
/// share one database. While a delivery runs its lease is renewed (a heartbeat every
/// <see cref="DeliveryQueueOptions.LeaseRenewalInterval"/>), so a slow delivery is not taken over
/// and sent twice; a worker that finds its lease taken abandons the attempt and records nothing.</para>
/// <para>One destination cannot take every slot: at most
/// <see cref="DeliveryQueueOptions.MaxConcurrentDeliveriesPerDestination"/> deliveries run per
/// domain, and once none of a domain's relays answered, its other entries are deferred without
/// a connection until <see cref="DeliveryQueueOptions.RetryInitialDelay"/> has passed.</para>
/// <para>A notification is handed off (stored) before the attempt is recorded: a crash in
/// between may repeat a notification but never lose one. No notification is ever sent for a
/// message with the null sender.</para>
/// <para>Logs carry entry ids, destination domains and reply codes; never recipient addresses,
/// subjects or content.</para>
/// </remarks>
public sealed partial class DeliveryWorker : IDisposable
{
    /// <summary>Name of the meter with the queue's instruments (see <see cref="DeliveryMetrics"/>).</summary>
    public const string MeterName = DeliveryMetrics.MeterName;

    // The worker itself only uses the queue; the whole store is taken for the submitter it builds,
    // which delivers locally and queues.
    private readonly IQueueStore store;
    private readonly DeliveryQueueOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly IDeliveryTransport transport;
    private readonly DeliveryMetrics metrics;
    private readonly ConcurrentDictionary<long, bool> inFlight = new();
    private readonly ConcurrentDictionary<string, int> destinationLoad = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, UnreachableDestination> unreachable = new(StringComparer.OrdinalIgnoreCase);
    private TaskCompletionSource wakeSignal = NewSignal();
    private long depth;

    /// <summary>A worker that delivers over SMTP with <see cref="SmtpDeliveryTransport"/>.</summary>
    public DeliveryWorker(
        IMailStore store,
        IRouteResolver routes,
        TrustValidator trust,
        DeliveryQueueOptions options,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
        : this(
            store,
            new SmtpDeliveryTransport(routes, trust, options, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SmtpDeliveryTransport>(), timeProvider ?? TimeProvider.System),
            options,
            loggerFactory,
            timeProvider,
            meterFactory)
    {
    }

    /// <summary>A worker that hands each attempt to <paramref name="transport"/>.</summary>
    public DeliveryWorker(
        IMailStore store,
        IDeliveryTransport transport,
        DeliveryQueueOptions options,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        this.store = store;
        this.transport = transport;
        this.options = options;
        time = timeProvider ?? TimeProvider.System;
        loggerFactory ??= NullLoggerFactory.Instance;
        logger = loggerFactory.CreateLogger<DeliveryWorker>();
        Submitter = new MessageSubmitter(store, store, store, options.LocalDomains, Wake, options.HostName, time, loggerFactory.CreateLogger<MessageSubmitter>(), options.Acceptance);
        WorkerId = options.WorkerId ?? $"{options.HostName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

        metrics = new DeliveryMetrics(meterFactory, () => Interlocked.Read(ref depth));
    }

    /// <summary>
    /// The submitter wired to this worker: local recipients are delivered at once, remote ones
    /// queued and the worker woken. Hand this to the CLI and SMTP submission.
    /// </summary>
    public MessageSubmitter Submitter { get; }

    /// <summary>The lease owner name of this worker.</summary>
    public string WorkerId { get; }

    /// <summary>The queue depth last read from the store.</summary>
    public long QueueDepth => Interlocked.Read(ref depth);

    /// <summary>Makes the running loop look for due entries now instead of at the next poll.</summary>
    public void Wake() => Interlocked.Exchange(ref wakeSignal, NewSignal()).TrySetResult();

    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> is cancelled: leases due entries as
    /// delivery slots free up (at most <see cref="DeliveryQueueOptions.MaxConcurrentDeliveries"/>
    /// at once), polling every <see cref="DeliveryQueueOptions.PollInterval"/> or when woken.
    /// Returns (without throwing) once the deliveries in progress have stopped; an entry
    /// interrupted by the cancellation is attempted again when its lease expires.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        var running = new List<Task>();
        LogStarted(WorkerId);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                running.RemoveAll(t => t.IsCompleted);
                var signal = Volatile.Read(ref wakeSignal).Task;
                var free = options.MaxConcurrentDeliveries - running.Count;
                var leased = 0;
                if (free > 0)
                {
                    try
                    {
                        var entries = await store.LeaseDueAsync(time.GetUtcNow(), free, options.LeaseDuration, WorkerId, cancellationToken).ConfigureAwait(false);
                        foreach (var entry in entries)
                        {
                            if (await DispatchAsync(entry, cancellationToken).ConfigureAwait(false) is { } work)
                            {
                                running.Add(work);
                                leased++;
                            }
                        }

                        await RefreshDepthAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        // The store may be briefly unavailable (restart, failover): keep polling.
                        LogStoreUnavailable(ex);
                    }
                }

                if (free > 0 && leased == free)
                {
                    continue; // every slot was filled: more entries may be due.
                }

                var waits = new List<Task> { signal, Task.Delay(options.PollInterval, time, cancellationToken) };
                if (running.Count > 0)
                {
                    waits.Add(Task.WhenAny(running));
                }

                await Task.WhenAny(waits).ConfigureAwait(false);
            }
        }
        finally
        {
            await Task.WhenAll(running).ConfigureAwait(false);
            LogStopped(WorkerId);
        }
    }

    /// <summary>
    /// Leases the entries due now (up to <see cref="DeliveryQueueOptions.MaxConcurrentDeliveries"/>),
    /// delivers them concurrently and returns how many were processed. For tests, the CLI and
    /// hosts that schedule the queue themselves.
    /// </summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var entries = await store.LeaseDueAsync(time.GetUtcNow(), options.MaxConcurrentDeliveries, options.LeaseDuration, WorkerId, cancellationToken).ConfigureAwait(false);
        var work = new List<Task>();
        foreach (var entry in entries)
        {
            if (await DispatchAsync(entry, cancellationToken).ConfigureAwait(false) is { } started)
            {
                work.Add(started);
            }
        }

        await Task.WhenAll(work).ConfigureAwait(false);
        await RefreshDepthAsync(cancellationToken).ConfigureAwait(false);
        return work.Count;
    }

    public void Dispose() => metrics.Dispose();

    /// <summary>
    /// Starts the delivery of a leased entry, unless its destination already has
    /// <see cref="DeliveryQueueOptions.MaxConcurrentDeliveriesPerDestination"/> deliveries in
    /// progress: then the entry is given back, due again after
    /// <see cref="DeliveryQueueOptions.BusyDestinationDelay"/>, so that one slow or unreachable
    /// operator with many queued messages cannot take every delivery slot from the others.
    /// </summary>
    /// <returns>The running delivery, or null when the entry was given back (or is already in progress here).</returns>
    private async Task<Task?> DispatchAsync(QueueEntry entry, CancellationToken cancellationToken)
    {
        if (!inFlight.TryAdd(entry.Id, true))
        {
            return null;
        }

        var load = destinationLoad.AddOrUpdate(entry.Domain, 1, (_, n) => n + 1);
        if (load > options.MaxConcurrentDeliveriesPerDestination)
        {
            destinationLoad.AddOrUpdate(entry.Domain, 0, (_, n) => n - 1);
            inFlight.TryRemove(entry.Id, out _);
            try
            {
                await store.ReleaseLeaseAsync(entry.Id, WorkerId, time.GetUtcNow() + options.BusyDestinationDelay, cancellationToken).ConfigureAwait(false);
                LogDestinationBusy(entry.Id, entry.Domain);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The lease expires on its own; the entry is not lost, only late.
                LogStoreUnavailable(ex);
            }

            return null;
        }

        return ProcessGuardedAsync(entry, cancellationToken);
    }

    private async Task ProcessGuardedAsync(QueueEntry entry, CancellationToken cancellationToken)
    {
        // The heartbeat keeps the lease while the delivery lasts (a slow relay, a large message):
        // without it another node would take the entry over once the lease expired and send the
        // message a second time. If the lease is lost anyway, the delivery is abandoned.
        using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopHeartbeat = new CancellationTokenSource();
        Task heartbeat = Task.CompletedTask;
        try
        {
            await Task.Yield();
            heartbeat = HeartbeatAsync(entry, leaseLost, stopHeartbeat.Token);
            await ProcessAsync(entry, leaseLost.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: the lease expires and the entry is attempted again later.
        }
        catch (OperationCanceledException) when (leaseLost.IsCancellationRequested)
        {
            // Another worker holds the entry now: its attempt is the one that counts.
            metrics.Attempt("lease_lost");
            LogLeaseLost(entry.Id, entry.Domain);
        }
        catch (QueueLeaseLostException)
        {
            metrics.Attempt("lease_lost");
            LogLeaseLost(entry.Id, entry.Domain);
        }
        catch (Exception ex)
        {
            // Anything unexpected (store failure, a bug) must not stop the other deliveries;
            // the entry stays leased until its lease expires, then is attempted again.
            LogEntryFailed(entry.Id, entry.Domain, ex);
        }
        finally
        {
            await stopHeartbeat.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
            destinationLoad.AddOrUpdate(entry.Domain, 0, (_, n) => n - 1);
            inFlight.TryRemove(entry.Id, out _);
        }
    }

    /// <summary>
    /// Renews the lease of <paramref name="entry"/> every <see cref="DeliveryQueueOptions.LeaseRenewalInterval"/>
    /// until <paramref name="stop"/>; cancels <paramref name="leaseLost"/> when the store says
    /// another worker holds it. A store that does not answer is tried again at the next beat: the
    /// lease itself is the limit.
    /// </summary>
    private async Task HeartbeatAsync(QueueEntry entry, CancellationTokenSource leaseLost, CancellationToken stop)
    {
        var interval = options.LeaseRenewalInterval;
        while (!stop.IsCancellationRequested && !leaseLost.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stop).ConfigureAwait(false);
                var held = await store.RenewLeaseAsync(entry.Id, WorkerId, time.GetUtcNow() + options.LeaseDuration, stop).ConfigureAwait(false);
                if (!held)
                {
                    await leaseLost.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogLeaseRenewalFailed(entry.Id, ex);
            }
        }
    }

    private async Task ProcessAsync(QueueEntry entry, CancellationToken cancellationToken)
    {
        var pending = entry.Recipients.Where(r => r.State == RecipientState.Pending).ToList();
        if (pending.Count == 0)
        {
            // Nothing left to do (e.g. a crash after the last outcome): let the store drop it.
            await store.RecordAttemptAsync(new QueueAttempt(entry.Id, WorkerId, [], time.GetUtcNow(), entry.LastError, entry.DelayNotified), cancellationToken).ConfigureAwait(false);
            return;
        }

        var raw = await store.ReadQueuedMessageAsync(entry.Id, cancellationToken).ConfigureAwait(false);
        DeliveryAttemptResult result;
        if (raw is null)
        {
            LogContentMissing(entry.Id);
            result = new DeliveryAttemptResult(
                pending.Select(r => new RecipientAttemptResult(r, RecipientResult.Failed, "5.3.0", "x-openmss; the queued message could not be read", RemoteReplied: false)).ToList(),
                null,
                "queued message content missing",
                RemoteSupportsDsn: false);
        }
        else if (unreachable.TryGetValue(entry.Domain, out var down) && time.GetUtcNow() < down.Until)
        {
            // The destination's relays did not answer a moment ago: do not queue up behind their
            // timeouts again. The entry is deferred as if tried (its schedule, delay and failure
            // reports stay the same) until a real attempt finds the destination back.
            LogDestinationUnreachable(entry.Id, entry.Domain, down.Until);
            result = new DeliveryAttemptResult(
                pending.Select(r => new RecipientAttemptResult(r, RecipientResult.Deferred, down.Status, down.Diagnostic, RemoteReplied: false)).ToList(),
                null,
                $"not tried: {entry.Domain} unreachable ({down.Error})",
                RemoteSupportsDsn: false);
        }
        else
        {
            result = await transport.DeliverAsync(entry, pending, raw, cancellationToken).ConfigureAwait(false);
            if (result.RemoteMta is null && result.Error is not null && result.Recipients.All(r => r.Result == RecipientResult.Deferred))
            {
                var first = result.Recipients[0];
                unreachable[entry.Domain] = new UnreachableDestination(time.GetUtcNow() + options.RetryInitialDelay, first.Status, first.Diagnostic, result.Error);
            }
            else
            {
                unreachable.TryRemove(entry.Domain, out _);
            }
        }

        var now = time.GetUtcNow();
        var expired = now >= entry.QueuedAt + options.GiveUpAfter;
        var outcomes = new List<RecipientOutcome>();
        var failed = new List<DsnRecipientReport>();
        var relayed = new List<DsnRecipientReport>();
        var stillPending = new List<RecipientAttemptResult>();
        int delivered = 0, failedCount = 0;

        foreach (var r in result.Recipients)
        {
            var remoteMta = r.RemoteReplied ? result.RemoteMta : null;
            switch (r.Result)
            {
                case RecipientResult.Delivered:
                    delivered++;
                    outcomes.Add(new RecipientOutcome(r.Recipient.Id, RecipientState.Delivered, r.Status, r.Diagnostic));
                    if (!result.RemoteSupportsDsn && MessageSubmitter.Wants(r.Recipient.Notify, DsnNotify.Success))
                    {
                        relayed.Add(Report(r.Recipient, DsnAction.Relayed, r.Status, remoteMta, r.Diagnostic, now));
                    }

                    break;

                case RecipientResult.Failed:
                    failedCount++;
                    outcomes.Add(new RecipientOutcome(r.Recipient.Id, RecipientState.Failed, r.Status, r.Diagnostic));
                    if (MessageSubmitter.Wants(r.Recipient.Notify, DsnNotify.Failure))
                    {
                        failed.Add(Report(r.Recipient, DsnAction.Failed, r.Status, remoteMta, r.Diagnostic, now));
                    }

                    break;

                case RecipientResult.Deferred when expired:
                    // Giving up: a remote temporary reply keeps its own code; a relay that never
                    // answered means the delivery time expired (RFC 3463 X.4.7).
                    failedCount++;
                    var status = r.RemoteReplied ? r.Status : "4.4.7";
                    outcomes.Add(new RecipientOutcome(r.Recipient.Id, RecipientState.Failed, status, r.Diagnostic));
                    if (MessageSubmitter.Wants(r.Recipient.Notify, DsnNotify.Failure))
                    {
                        failed.Add(Report(r.Recipient, DsnAction.Failed, status, remoteMta, r.Diagnostic, now));
                    }

                    break;

                default:
                    stillPending.Add(r);
                    break;
            }
        }

        var giveUpAt = entry.QueuedAt + options.GiveUpAfter;
        var delayNotified = entry.DelayNotified;
        var delayed = new List<DsnRecipientReport>();
        if (!delayNotified && stillPending.Count > 0 && now >= entry.QueuedAt + options.DelayNotificationAfter)
        {
            delayNotified = true;
            foreach (var r in stillPending.Where(p => MessageSubmitter.Wants(p.Recipient.Notify, DsnNotify.Delay)))
            {
                delayed.Add(Report(r.Recipient, DsnAction.Delayed, r.Status, r.RemoteReplied ? result.RemoteMta : null, r.Diagnostic, now) with { WillRetryUntil = giveUpAt });
            }
        }

        // Notifications are stored before the attempt is recorded: a crash in between repeats a
        // notification at the next attempt but never loses one. Once the remote has answered,
        // shutting down no longer interrupts: these are short local writes, and skipping them
        // would make the next attempt deliver the message a second time.
        if (entry.MailFrom.Length > 0 && failed.Count + delayed.Count + relayed.Count > 0)
        {
            // A worker that lost the entry leaves the notifications to the one that holds it now.
            if (!await store.RenewLeaseAsync(entry.Id, WorkerId, time.GetUtcNow() + options.LeaseDuration, CancellationToken.None).ConfigureAwait(false)
                && await store.FindQueueEntryAsync(entry.Id, CancellationToken.None).ConfigureAwait(false) is not null)
            {
                throw new QueueLeaseLostException(entry.Id, WorkerId);
            }

            await NotifyAsync(entry, raw, failed, "failure", CancellationToken.None).ConfigureAwait(false);
            await NotifyAsync(entry, raw, delayed, "delay", CancellationToken.None).ConfigureAwait(false);
            await NotifyAsync(entry, raw, relayed, "success", CancellationToken.None).ConfigureAwait(false);
        }

        // Never later than the moments when the sender must hear from us.
        var next = now + RetryPolicy.NextDelay(entry.Attempts + 1, options);
        if (!delayNotified && entry.QueuedAt + options.DelayNotificationAfter > now)
        {
            next = Min(next, entry.QueuedAt + options.DelayNotificationAfter);
        }

        if (giveUpAt > now)
        {
            next = Min(next, giveUpAt);
        }

        var lastError = result.Error ?? stillPending.Select(p => p.Diagnostic).FirstOrDefault();
        await store.RecordAttemptAsync(new QueueAttempt(entry.Id, WorkerId, outcomes, next, lastError, delayNotified), CancellationToken.None).ConfigureAwait(false);

        var outcome = stillPending.Count > 0 ? "deferred" : failedCount > 0 ? "failed" : "delivered";
        metrics.Attempt(outcome);
        if (stillPending.Count > 0)
        {
            LogDeferred(entry.Id, entry.Domain, entry.Attempts + 1, delivered, failedCount, stillPending.Count, stillPending[0].Status, next);
        }
        else
        {
            LogCompleted(entry.Id, entry.Domain, entry.Attempts + 1, delivered, failedCount);
        }
    }

    private async Task NotifyAsync(QueueEntry entry, byte[]? raw, List<DsnRecipientReport> recipients, string kind, CancellationToken cancellationToken)
    {
        if (recipients.Count == 0)
        {
            return;
        }

        var report = new DeliveryReport(entry.MailFrom, recipients, raw ?? ReadOnlyMemory<byte>.Empty, entry.ReturnFullMessage, entry.QueuedAt, entry.EnvelopeId);
        await Submitter.SendNotificationAsync(report, cancellationToken).ConfigureAwait(false);
        metrics.Notification(kind);
        LogNotified(entry.Id, kind, recipients.Count);
    }

    private static DsnRecipientReport Report(QueueRecipient recipient, DsnAction action, string status, string? remoteMta, string? diagnostic, DateTimeOffset now) =>
        new(recipient.Address, action, status, recipient.OriginalRecipient, remoteMta, diagnostic, LastAttemptDate: now);

    private async Task RefreshDepthAsync(CancellationToken cancellationToken)
    {
        var count = await store.CountQueueAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref depth, count);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A destination none of whose relays could be reached, and until when its entries are not tried.</summary>
    private sealed record UnreachableDestination(DateTimeOffset Until, string Status, string? Diagnostic, string Error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Queue entry {EntryId} to {Domain}: destination busy, given back for later")]
    private partial void LogDestinationBusy(long entryId, string domain);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue entry {EntryId} to {Domain}: destination unreachable, not tried before {Until:o}")]
    private partial void LogDestinationUnreachable(long entryId, string domain, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery worker {WorkerId} started")]
    private partial void LogStarted(string workerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery worker {WorkerId} stopped")]
    private partial void LogStopped(string workerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery queue: the store is unavailable, will poll again")]
    private partial void LogStoreUnavailable(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue entry {EntryId} to {Domain}: attempt aborted; retried once its lease expires")]
    private partial void LogEntryFailed(long entryId, string domain, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue entry {EntryId}: the queued message could not be read; its recipients fail")]
    private partial void LogContentMissing(long entryId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue entry {EntryId} to {Domain}: attempt {Attempt} done, {Delivered} delivered, {Failed} failed")]
    private partial void LogCompleted(long entryId, string domain, int attempt, int delivered, int failed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue entry {EntryId} to {Domain}: attempt {Attempt}, {Delivered} delivered, {Failed} failed, {Pending} deferred ({Status}); next attempt at {NextAttempt:o}")]
    private partial void LogDeferred(long entryId, string domain, int attempt, int delivered, int failed, int pending, string status, DateTimeOffset nextAttempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue entry {EntryId} to {Domain}: lease lost to another worker; this attempt is abandoned")]
    private partial void LogLeaseLost(long entryId, string domain);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue entry {EntryId}: the lease could not be renewed, will try again")]
    private partial void LogLeaseRenewalFailed(long entryId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue entry {EntryId}: {Kind} notification sent for {Count} recipient(s)")]
    private partial void LogNotified(long entryId, string kind, int count);
}
