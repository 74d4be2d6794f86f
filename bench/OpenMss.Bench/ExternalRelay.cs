using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;

/// <summary>
/// The relay load of <c>OpenMss.Bench relay</c> (same <see cref="BenchClient"/>, same message) sent
/// to a server in another process: an OpenMSS operator started by <c>openmss serve</c>, or Postfix.
/// The server's CPU is read from /proc (utime+stime of the process, of its live descendants and of
/// the children it has reaped), so the load generator's own CPU is not counted.
/// </summary>
/// <remarks>
/// Postfix answers 250 once the message is durably in its queue and delivers it to the mailbox
/// afterwards; with <c>--delivered-dir</c> (the virtual Maildir base) the benchmark waits for the
/// warm-up messages to be delivered before measuring, and after the window for every message sent
/// to be delivered, so that "CPU per message with delivery" covers the whole path for both servers.
/// </remarks>
internal static class ExternalRelay
{
    public static async Task<int> RunAsync(Args arguments)
    {
        var target = IPEndPoint.Parse(arguments.Get("target", "127.0.0.1:25"));
        var label = arguments.Get("label", "server");
        var domain = arguments.Get("rcpt-domain", "medecin.mssante.fr");
        var sender = arguments.Get("from", "claire.martin@pharmacien.mssante.fr");
        var connections = int.Parse(arguments.Get("connections", "16"), CultureInfo.InvariantCulture);
        var size = int.Parse(arguments.Get("size", "8192"), CultureInfo.InvariantCulture);
        var seconds = double.Parse(arguments.Get("seconds", "20"), CultureInfo.InvariantCulture);
        var warmup = double.Parse(arguments.Get("warmup", "3"), CultureInfo.InvariantCulture);
        // Several roots when the server is several programs (OpenMSS and its PostgreSQL): "pid,pid".
        var serverPids = arguments.Get("server-pid", "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        var deliveredDir = arguments.Options.GetValueOrDefault("delivered-dir");
        using var certificate = X509Certificate2.CreateFromPemFile(arguments.Get("cert", ""), arguments.Get("key", ""));

        // Earlier rounds' messages are already there: count from here.
        var baseline = deliveredDir is null ? 0 : CountMaildir(deliveredDir);
        var message = RelayMessages.Build(size);
        long sent = 0;
        var latencies = Enumerable.Range(0, connections).Select(_ => new List<double>(100_000)).ToArray();
        var measuring = false;
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, connections).Select(i => Task.Run(async () =>
        {
            await using var client = await BenchClient.ConnectAsync(target, certificate);
            var rcpt = $"dr{i}@{domain}";
            var sw = new Stopwatch();
            while (!stop.IsCancellationRequested)
            {
                sw.Restart();
                await client.SendMessageAsync(sender, rcpt, message);
                Interlocked.Increment(ref sent);
                if (Volatile.Read(ref measuring))
                {
                    latencies[i].Add(sw.Elapsed.TotalMilliseconds);
                }
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(warmup));
        if (deliveredDir is not null)
        {
            // Let the warm-up's deliveries finish so that the window does not pay for them.
            await stop.CancelAsync();
            await Task.WhenAll(clients);
            var warm = Interlocked.Read(ref sent);
            await WaitDeliveredAsync(deliveredDir, baseline + warm, TimeSpan.FromMinutes(2));
            return await MeasureAgainAsync();
        }

        return await MeasureAsync(clients, stop);

        // Postfix: a fresh set of sessions for the window, after the warm-up was delivered.
        async Task<int> MeasureAgainAsync()
        {
            using var stop2 = new CancellationTokenSource();
            var again = Enumerable.Range(0, connections).Select(i => Task.Run(async () =>
            {
                await using var client = await BenchClient.ConnectAsync(target, certificate);
                var rcpt = $"dr{i}@{domain}";
                var sw = new Stopwatch();
                while (!stop2.IsCancellationRequested)
                {
                    sw.Restart();
                    await client.SendMessageAsync(sender, rcpt, message);
                    Interlocked.Increment(ref sent);
                    if (Volatile.Read(ref measuring))
                    {
                        latencies[i].Add(sw.Elapsed.TotalMilliseconds);
                    }
                }
            })).ToArray();
            await Task.Delay(TimeSpan.FromSeconds(1)); // handshakes done, sessions busy
            return await MeasureAsync(again, stop2);
        }

        async Task<int> MeasureAsync(Task[] running, CancellationTokenSource stopping)
        {
            var self = Process.GetCurrentProcess();
            self.Refresh();
            var clientCpu0 = self.TotalProcessorTime;
            var serverCpu0 = ProcessTreeCpu.Seconds(serverPids);
            var start = Interlocked.Read(ref sent);
            var clock = Stopwatch.StartNew();
            Volatile.Write(ref measuring, true);
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            var inWindow = Interlocked.Read(ref sent) - start;
            var elapsed = clock.Elapsed.TotalSeconds;
            Volatile.Write(ref measuring, false);
            var serverCpuWindow = ProcessTreeCpu.Seconds(serverPids) - serverCpu0;
            self.Refresh();
            var clientCpu = (self.TotalProcessorTime - clientCpu0).TotalSeconds;
            await stopping.CancelAsync();
            await Task.WhenAll(running);
            var total = Interlocked.Read(ref sent) - start;

            // Every message sent from the start of the window, in its mailbox: the CPU of the whole path.
            var drain = 0.0;
            if (deliveredDir is not null)
            {
                var waited = Stopwatch.StartNew();
                await WaitDeliveredAsync(deliveredDir, baseline + Interlocked.Read(ref sent), TimeSpan.FromMinutes(5));
                drain = Math.Max(0, waited.Elapsed.TotalSeconds);
            }

            var serverCpuAll = ProcessTreeCpu.Seconds(serverPids) - serverCpu0;
            var all = latencies.SelectMany(l => l).Order().ToArray();
            double Percentile(double p) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)(p * all.Length))];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"relay_external label={label} target={target} connections={connections} size={size} seconds={elapsed:F1} messages={inWindow} " +
                $"rate={inWindow / elapsed:F0}/s server_cpu_per_message={serverCpuWindow * 1000 / Math.Max(1, inWindow):F2}ms " +
                $"server_cpu_per_message_delivered={serverCpuAll * 1000 / Math.Max(1, total):F2}ms drain_after_window={drain:F1}s " +
                $"delivered_rate={total / (elapsed + drain):F0}/s server_cores={serverCpuWindow / elapsed:F2} " +
                $"client_cpu_per_message={clientCpu * 1000 / Math.Max(1, inWindow):F2}ms p50={Percentile(0.50):F1}ms p99={Percentile(0.99):F1}ms"));
            return 0;
        }
    }

    /// <summary>Waits until the Maildirs under <paramref name="root"/> hold at least <paramref name="count"/> messages.</summary>
    private static async Task WaitDeliveredAsync(string root, long count, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        long seen = 0;
        while (clock.Elapsed < limit)
        {
            seen = CountMaildir(root);
            if (seen >= count)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"only {seen} of {count} messages delivered under {root} after {limit.TotalSeconds:F0} s");
    }

    private static long CountMaildir(string root)
    {
        if (!Directory.Exists(root))
        {
            return 0;
        }

        long n = 0;
        foreach (var box in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(box);
            if (name is "new" or "cur")
            {
                n += Directory.EnumerateFiles(box).LongCount();
            }
        }

        return n;
    }
}
