using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using OpenMss.Trust;

namespace OpenMss.Benchmarks;

/// <summary>What <see cref="RelayLoad.RunAsync"/> sends, to whom, and for how long.</summary>
public sealed record RelayLoadOptions
{
    /// <summary>The relay's host name or address.</summary>
    public required string Host { get; init; }

    /// <summary>The relay's port.</summary>
    public required int Port { get; init; }

    /// <summary>The sending operator's certificate with its private key (mutual TLS).</summary>
    public required X509Certificate2 ClientCertificate { get; init; }

    /// <summary>The trust space authority the server certificate must chain to.</summary>
    public required X509Certificate2 TrustAnchor { get; init; }

    /// <summary>The recipients' mail domain; the server certificate must name it.</summary>
    public string RecipientDomain { get; init; } = "medecin.mssante.fr";

    /// <summary>The envelope sender of every message.</summary>
    public string Sender { get; init; } = "claire.martin@pharmacien.mssante.fr";

    /// <summary>The recipient of session <c>i</c>; <c>dr{i}@</c><see cref="RecipientDomain"/> by default.</summary>
    public Func<int, string>? Recipient { get; init; }

    /// <summary>Concurrent SMTP sessions, each sending back to back.</summary>
    public int Connections { get; init; } = 16;

    /// <summary>Approximate size of each message in bytes.</summary>
    public int MessageSize { get; init; } = 8192;

    /// <summary>
    /// The messages to send instead of <see cref="RelayMessages.Build"/> of <see cref="MessageSize"/>:
    /// each session sends them in turn, session <c>i</c> starting with message <c>i</c>. Each must end
    /// in CRLF and have no line starting with a dot (sent as is in DATA).
    /// </summary>
    public IReadOnlyList<ReadOnlyMemory<byte>>? MessageSet { get; init; }

    /// <summary>Load before the measured window (connections, caches, JIT); not counted.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The measured window (unless <see cref="Messages"/> is set).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// When set, the window ends once this many messages were accepted in it, however long that
    /// takes, instead of after <see cref="Duration"/>: a run whose outcome does not depend on how
    /// fast the machine is (the tests use it).
    /// </summary>
    public long? Messages { get; init; }

    /// <summary>Called just before the window opens (e.g. to read another process's CPU time).</summary>
    public Action? WindowStarting { get; init; }

    /// <summary>Called just after the window closes, before the sessions stop.</summary>
    public Action? WindowEnded { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first value out of range.</summary>
    public static void ValidateLoad(int connections, int messageSize, TimeSpan warmup, TimeSpan duration, long? messages = null)
    {
        if (messages is < 1 or > 100_000_000)
        {
            throw new ArgumentException($"messages must be between 1 and 100000000 (got {messages}).");
        }

        if (connections is < 1 or > 10_000)
        {
            throw new ArgumentException($"connections must be between 1 and 10000 (got {connections}).");
        }

        if (messageSize is < 512 or > 64 * 1024 * 1024)
        {
            throw new ArgumentException($"size must be between 512 and 67108864 bytes (got {messageSize}).");
        }

        if (warmup < TimeSpan.Zero || warmup > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"warm-up must be between 0 and 3600 seconds (got {warmup.TotalSeconds}).");
        }

        if (duration <= TimeSpan.Zero || duration > TimeSpan.FromHours(24))
        {
            throw new ArgumentException($"seconds must be more than 0 and at most 86400 (got {duration.TotalSeconds}).");
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Host);
        ArgumentNullException.ThrowIfNull(ClientCertificate);
        ArgumentNullException.ThrowIfNull(TrustAnchor);
        if (Port is <= 0 or > 65535)
        {
            throw new ArgumentException($"port {Port} is out of range (1-65535).");
        }

        ValidateLoad(Connections, MessageSize, Warmup, Duration, Messages);
    }
}

/// <summary>What one <see cref="RelayLoad.RunAsync"/> measured.</summary>
/// <param name="Messages">Messages the server accepted (250 after DATA) inside the window.</param>
/// <param name="Elapsed">The window's actual length.</param>
/// <param name="ProcessCpu">CPU time of this whole process during the window (the load generator, and the server when it runs in-process).</param>
/// <param name="P50">Median latency of a transaction (MAIL to the final 250) inside the window.</param>
/// <param name="P99">99th percentile of that latency.</param>
/// <param name="SentSinceWindowStart">Messages accepted from the window's start until every session stopped (includes those finishing after the window).</param>
/// <param name="SentTotal">Every message accepted, warm-up included.</param>
public sealed record RelayLoadResult(
    long Messages,
    TimeSpan Elapsed,
    TimeSpan ProcessCpu,
    TimeSpan P50,
    TimeSpan P99,
    long SentSinceWindowStart,
    long SentTotal)
{
    /// <summary>Accepted messages per second over the window.</summary>
    public double MessagesPerSecond => Elapsed > TimeSpan.Zero ? Messages / Elapsed.TotalSeconds : 0;

    /// <summary>Process CPU milliseconds per accepted message.</summary>
    public double CpuMillisecondsPerMessage => ProcessCpu.TotalMilliseconds / Math.Max(1, Messages);

    /// <summary>Median time from the end of the data (the final dot sent) to the server's <c>250</c>, inside the window.</summary>
    public TimeSpan DataP50 { get; init; }

    /// <summary>99th percentile of that time.</summary>
    public TimeSpan DataP99 { get; init; }
}

/// <summary>
/// Relay throughput (docs/benchmarks.md): N concurrent mutual-TLS SMTP sessions send messages back to back to a
/// relay, first for a warm-up, then for a measured window; counts the messages the server accepted
/// durably and the latency of each transaction.
/// </summary>
public static class RelayLoad
{
    /// <summary>Runs the load and returns what the window measured.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="IOException">A session could not connect, or the server refused a message.</exception>
    public static async Task<RelayLoadResult> RunAsync(RelayLoadOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var validator = new TrustValidator(options.TrustAnchor);
        IReadOnlyList<ReadOnlyMemory<byte>> messages = options.MessageSet is { Count: > 0 } set ? set : [RelayMessages.Build(options.MessageSize)];
        var connections = options.Connections;
        var latencies = Enumerable.Range(0, connections).Select(_ => new List<double>(10_000)).ToArray();
        var dataLatencies = Enumerable.Range(0, connections).Select(_ => new List<double>(10_000)).ToArray();
        long sent = 0;
        long windowStart = long.MaxValue;
        var measuring = false;
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Every session connects (TLS handshake, EHLO) before any clock starts: a refused
        // certificate or an unreachable relay is reported as such, never as a window that
        // happened to end before the handshake did.
        var clients = new RelayLoadClient?[connections];
        try
        {
            await Task.WhenAll(Enumerable.Range(0, connections).Select(async i =>
                clients[i] = await RelayLoadClient.ConnectAsync(
                    options.Host, options.Port, options.ClientCertificate, validator, options.RecipientDomain, cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
        }
        catch
        {
            await DisposeAllAsync(clients).ConfigureAwait(false);
            throw;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sessions = Enumerable.Range(0, connections).Select(i => Task.Run(async () =>
        {
            var client = clients[i]!;
            var rcpt = options.Recipient?.Invoke(i) ?? $"dr{i}@{options.RecipientDomain}";
            var watch = new Stopwatch();
            for (var n = i; !stop.IsCancellationRequested; n++)
            {
                watch.Restart();
                // Not cancelled mid-transaction: a message half sent would be neither counted nor refused.
                var afterData = await client.SendMessageAsync(options.Sender, rcpt, messages[n % messages.Count], CancellationToken.None).ConfigureAwait(false);
                var total = Interlocked.Increment(ref sent);
                if (Volatile.Read(ref measuring))
                {
                    latencies[i].Add(watch.Elapsed.TotalMilliseconds);
                    dataLatencies[i].Add(afterData.TotalMilliseconds);
                    if (options.Messages is { } wanted && total - Interlocked.Read(ref windowStart) >= wanted)
                    {
                        enough.TrySetResult();
                    }
                }
            }
        }, CancellationToken.None)).ToArray();

        try
        {
            // A session that fails (closed connection, refused message) ends the run at once.
            await FirstOfAsync(Task.Delay(options.Warmup, cancellationToken), sessions).ConfigureAwait(false);

            var process = Process.GetCurrentProcess();
            process.Refresh();
            var cpuStart = process.TotalProcessorTime;
            options.WindowStarting?.Invoke();
            var start = Interlocked.Read(ref sent);
            Interlocked.Exchange(ref windowStart, start);
            var clock = Stopwatch.StartNew();
            Volatile.Write(ref measuring, true);
            var window = options.Messages is null ? Task.Delay(options.Duration, cancellationToken) : enough.Task.WaitAsync(cancellationToken);
            await FirstOfAsync(window, sessions).ConfigureAwait(false);
            var inWindow = Interlocked.Read(ref sent) - start;
            var elapsed = clock.Elapsed;
            Volatile.Write(ref measuring, false);
            options.WindowEnded?.Invoke();
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuStart;
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(sessions).ConfigureAwait(false);

            var all = latencies.SelectMany(l => l).Order().ToArray();
            var data = dataLatencies.SelectMany(l => l).Order().ToArray();
            static TimeSpan Percentile(double[] sorted, double p) =>
                sorted.Length == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))]);
            var total = Interlocked.Read(ref sent);
            return new RelayLoadResult(inWindow, elapsed, cpu, Percentile(all, 0.50), Percentile(all, 0.99), total - start, total)
            {
                DataP50 = Percentile(data, 0.50),
                DataP99 = Percentile(data, 0.99),
            };
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            // Already observed above on success; on failure the first error is the one to report.
            await Task.WhenAll(sessions).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            await DisposeAllAsync(clients).ConfigureAwait(false);
        }
    }

    private static async Task DisposeAllAsync(RelayLoadClient?[] clients)
    {
        foreach (var client in clients)
        {
            if (client is not null)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits for <paramref name="delay"/>, or rethrows the first session that failed before it.</summary>
    private static async Task FirstOfAsync(Task delay, Task[] sessions)
    {
        var pending = sessions.Append(delay).ToList();
        while (true)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            if (done == delay)
            {
                await done.ConfigureAwait(false);
                return;
            }

            await done.ConfigureAwait(false); // throws if the session failed
            pending.Remove(done);
        }
    }
}
