using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using OpenMss.Benchmarks;

/// <summary>
/// The relay load of <c>OpenMss.Bench relay</c> (same <see cref="RelayLoad"/>, same message) sent
/// to a server in another process: an OpenMSS operator started by <c>openmss serve</c>, or Postfix.
/// The messages come from <see cref="BenchMessages"/> (<c>--kind</c>, <c>--size</c>, <c>--seed</c>).
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
        var kind = arguments.Get("kind", "text");
        var messages = BenchMessages.Create(arguments);
        var seconds = double.Parse(arguments.Get("seconds", "20"), CultureInfo.InvariantCulture);
        var warmup = double.Parse(arguments.Get("warmup", "3"), CultureInfo.InvariantCulture);
        // Several roots when the server is several programs (OpenMSS and its PostgreSQL): "pid,pid".
        var serverPids = arguments.Get("server-pid", "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        var deliveredDir = arguments.Options.GetValueOrDefault("delivered-dir");
        var anchorPath = arguments.Options.GetValueOrDefault("anchor")
            ?? throw new ArgumentException("--anchor ca.pem is required: the server certificate is checked against the trust space authority.");
        using var certificate = X509Certificate2.CreateFromPemFile(arguments.Get("cert", ""), arguments.Get("key", ""));
        using var anchor = X509Certificate2.CreateFromPem(File.ReadAllText(anchorPath));

        // Earlier rounds' messages are already there: count from here.
        var baseline = deliveredDir is null ? 0 : CountMaildir(deliveredDir);
        var serverCpu0 = 0.0;
        var serverCpuWindow = 0.0;
        var options = new RelayLoadOptions
        {
            Host = target.Address.ToString(),
            Port = target.Port,
            ClientCertificate = certificate,
            TrustAnchor = anchor,
            RecipientDomain = domain,
            Sender = sender,
            Connections = connections,
            MessageSize = size,
            MessageSet = messages,
            Warmup = TimeSpan.FromSeconds(warmup),
            Duration = TimeSpan.FromSeconds(seconds),
            WindowStarting = () => serverCpu0 = ProcessTreeCpu.Seconds(serverPids),
            WindowEnded = () => serverCpuWindow = ProcessTreeCpu.Seconds(serverPids) - serverCpu0,
        };

        long earlier = 0;
        if (deliveredDir is not null)
        {
            // Postfix: let the warm-up's deliveries finish so that the window does not pay for them,
            // then a fresh set of sessions for the window (1 s: handshakes done, sessions busy).
            var warm = await RelayLoad.RunAsync(options with { Duration = TimeSpan.FromMilliseconds(1), WindowStarting = null, WindowEnded = null });
            earlier = warm.SentTotal;
            await WaitDeliveredAsync(deliveredDir, baseline + earlier, TimeSpan.FromMinutes(2));
            options = options with { Warmup = TimeSpan.FromSeconds(1) };
        }

        var result = await RelayLoad.RunAsync(options);
        var inWindow = result.Messages;
        var elapsed = result.Elapsed.TotalSeconds;
        var clientCpu = result.ProcessCpu.TotalSeconds;
        var total = result.SentSinceWindowStart;

        // Every message sent from the start of the window, in its mailbox: the CPU of the whole path.
        var drain = 0.0;
        if (deliveredDir is not null)
        {
            var waited = Stopwatch.StartNew();
            await WaitDeliveredAsync(deliveredDir, baseline + earlier + result.SentTotal, TimeSpan.FromMinutes(5));
            drain = Math.Max(0, waited.Elapsed.TotalSeconds);
        }

        var serverCpuAll = ProcessTreeCpu.Seconds(serverPids) - serverCpu0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"relay_external client=project label={label} target={target} kind={kind} connections={connections} size={size} " +
            $"mean_size={messages.Average(m => m.Length):F0} seconds={elapsed:F1} messages={inWindow} " +
            $"rate={inWindow / elapsed:F0}/s server_cpu_per_message={serverCpuWindow * 1000 / Math.Max(1, inWindow):F2}ms " +
            $"server_cpu_per_message_delivered={serverCpuAll * 1000 / Math.Max(1, total):F2}ms drain_after_window={drain:F1}s " +
            $"delivered_rate={total / (elapsed + drain):F0}/s server_cores={serverCpuWindow / elapsed:F2} " +
            $"client_cpu_per_message={clientCpu * 1000 / Math.Max(1, inWindow):F2}ms p50={result.P50.TotalMilliseconds:F1}ms p99={result.P99.TotalMilliseconds:F1}ms " +
            $"data_p50={result.DataP50.TotalMilliseconds:F1}ms data_p99={result.DataP99.TotalMilliseconds:F1}ms"));
        return 0;
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
