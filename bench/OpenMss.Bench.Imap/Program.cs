using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using OpenMss.Bench.Messages;
using OpenMss.Core;
using OpenMss.Imap.Server;
using OpenMss.Storage;
using OpenMss.Trust;

// IMAP benchmarks (targets in docs/benchmarks.md, "Targets"): the real ImapServer over a real store
// (SQLite or PostgreSQL, messages encrypted at rest) on loopback with implicit TLS, driven by a
// raw line client (not MailKit, so that the client's parsing is not what is measured).
//
//   fetch-search  FETCH of envelopes and headers on a 10,000- then 20,000-message INBOX, then
//                 body SEARCH for a rare, a common and an absent word and FETCH of 10,000 headers
//                 on the same INBOX grown to --search-size messages.
//   idle          --connections TLS sessions (LOGIN, SELECT INBOX, IDLE), each on its own mailbox,
//                 opened by a child process (idle-clients) so that the server's memory is its own;
//                 then the delay from DeliverAsync to "* n EXISTS" on --sample connections.
//                 With --messages N, every session selects the same INBOX of N messages instead (a
//                 session's memory against its mailbox's size; no delivery latency then).
//
// usage: OpenMss.Bench.Imap fetch-search [--backend sqlite|postgres] [--runs 5] [--search-size 100000] [--search-runs 2]
//        OpenMss.Bench.Imap search [--backend sqlite|postgres] [--search-size 30000] [--search-runs 5]
//          (quick mode: only the body SEARCHes, plus the store's reads of them measured alone)
//        OpenMss.Bench.Imap idle [--backend sqlite|postgres] [--connections 5000] [--sample 100] [--messages 0]
//        OpenMss.Bench.Imap probe [--messages 100000]
//          (no server: the memory one session keeps for its selected folder, SequenceMapProbe.cs)
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var arguments = Args.Parse(args);
return arguments.Command switch
{
    "fetch-search" => await Benchmarks.FetchSearchAsync(arguments),
    "search" => await Benchmarks.SearchAsync(arguments),
    "probe" => SequenceMapProbe.Run(arguments),
    "idle" => await Benchmarks.IdleAsync(arguments),
    "idle-clients" => await Benchmarks.IdleClientsAsync(arguments),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: OpenMss.Bench.Imap fetch-search|search|idle|probe [--backend sqlite|postgres] [options]");
    return 2;
}

internal static class Benchmarks
{
    private const string Domain = "medecin.mssante.fr";
    private const string Password = "bench";
    public const string Needle = "zygomaticofacial";

    public static async Task<int> FetchSearchAsync(Args arguments)
    {
        var backend = arguments.Get("backend", "sqlite");
        var runs = arguments.GetInt("runs", 5);
        var searchSize = arguments.GetInt("search-size", 100_000);
        var searchRuns = arguments.GetInt("search-runs", 2);
        await using var env = await BenchEnvironment.StartAsync(backend);
        var mailbox = await env.Store.CreateMailboxAsync(new NewMailbox("bench@" + Domain, MailboxKind.Personal, "Dr Bench", "810000000001"));
        var inbox = (await env.Store.FindFolderAsync(mailbox.Id, "INBOX"))!;
        var generator = new MessageGenerator(seed: 42);
        long bytes = 0;
        var count = 0;

        foreach (var size in new[] { 10_000, 20_000 })
        {
            var clock = Stopwatch.StartNew();
            bytes += await PopulateAsync(env.Store, inbox.Id, generator, count, size);
            count = size;
            Report($"populate backend={backend} messages={count} seconds={clock.Elapsed.TotalSeconds:F1}");

            using var client = await RawImapClient.ConnectAsync(env.Server.LocalEndPoint);
            await client.CommandAsync("LOGIN bench " + Password);
            await client.CommandAsync("SELECT INBOX");
            await MeasureAsync(client, backend, count, runs, "UID FETCH 1:* (UID FLAGS ENVELOPE)", "uid_fetch_envelope");
            await MeasureAsync(client, backend, count, runs, "FETCH 1:10000 (BODY.PEEK[HEADER])", "fetch_header_10000");
            await client.CommandAsync("LOGOUT");
        }

        {
            var clock = Stopwatch.StartNew();
            bytes += await PopulateAsync(env.Store, inbox.Id, generator, count, searchSize);
            count = searchSize;
            Report($"populate backend={backend} messages={count} seconds={clock.Elapsed.TotalSeconds:F1} bytes={bytes}");
            using var client = await RawImapClient.ConnectAsync(env.Server.LocalEndPoint);
            await client.CommandAsync("LOGIN bench " + Password);
            await client.CommandAsync("SELECT INBOX");
            // A rare word (in one message in 25,000), a common one (in every body), one in no message.
            foreach (var (name, word) in new[] { ("rare", Needle), ("common", "glycémie"), ("absent", "cardiomyopathie") })
            {
                var times = new List<double>();
                string? result = null;
                for (var i = 0; i < searchRuns; i++)
                {
                    var cpu = CpuTime();
                    var sw = Stopwatch.StartNew();
                    // A UTF-8 search string goes as a literal (RFC 3501 §6.4.4 CHARSET).
                    var reply = word.All(char.IsAscii)
                        ? await client.CommandAsync($"UID SEARCH BODY \"{word}\"")
                        : await client.CommandAsync($"UID SEARCH CHARSET UTF-8 BODY {{{Encoding.UTF8.GetByteCount(word)}+}}\r\n{word}");
                    var seconds = sw.Elapsed.TotalSeconds;
                    times.Add(seconds);
                    result = reply.Untagged.FirstOrDefault(l => l.StartsWith("* SEARCH", StringComparison.Ordinal));
                    Report($"  {name} run {i + 1}: {seconds:F2}s cpu={(CpuTime() - cpu).TotalSeconds:F1}s");
                }

                var best = times.Min();
                var mbs = bytes / 1e6 / best;
                var found = result is null ? 0 : result.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length - 2;
                var detail = name == "rare"
                    ? $"matches=[{result?["* SEARCH".Length..].Trim()}] expected=[{string.Join(' ', generator.NeedleUids)}]"
                    : $"matches={found}";
                Report($"uid_search_body_{name} backend={backend} word={word} messages={count} bytes={bytes} best={best:F2}s median={Median(times):F2}s " +
                       $"rate={mbs:F0}MB/s target=1300MB/s met={(mbs >= 1300 ? "yes" : "no")} {detail}");
            }

            await MeasureAsync(client, backend, count, runs, "FETCH 1:10000 (BODY.PEEK[HEADER])", "fetch_header_10000");
        }

        return 0;
    }

    /// <summary>Quick mode: populate, then the three body SEARCHes, and the store's reads they make measured without IMAP.</summary>
    public static async Task<int> SearchAsync(Args arguments)
    {
        var backend = arguments.Get("backend", "sqlite");
        var searchSize = arguments.GetInt("search-size", 30_000);
        var searchRuns = arguments.GetInt("search-runs", 5);
        await using var env = await BenchEnvironment.StartAsync(backend);
        var mailbox = await env.Store.CreateMailboxAsync(new NewMailbox("bench@" + Domain, MailboxKind.Personal, "Dr Bench", "810000000001"));
        var inbox = (await env.Store.FindFolderAsync(mailbox.Id, "INBOX"))!;
        var generator = new MessageGenerator(seed: 42);
        var clock = Stopwatch.StartNew();
        var bytes = await PopulateAsync(env.Store, inbox.Id, generator, 0, searchSize);
        Report($"populate backend={backend} messages={searchSize} seconds={clock.Elapsed.TotalSeconds:F1} bytes={bytes}");

        // The store alone: the filter pass, then reading (and decrypting) every search text on one thread.
        for (var i = 0; i < searchRuns; i++)
        {
            var cpu = CpuTime();
            var sw = Stopwatch.StartNew();
            var sets = await env.Store.FindTextCandidatesAsync(inbox.Id, ["glycémie"]);
            var filterTime = sw.Elapsed.TotalSeconds;
            var filterCpu = (CpuTime() - cpu).TotalSeconds;
            var uids = sets[0]!.Order().ToArray();
            cpu = CpuTime();
            sw.Restart();
            long headBytes = 0;
            var matched = 0;
            var undecided = new HashSet<long>(uids);
            await foreach (var head in env.Store.ReadSearchTextHeadsAsync(inbox.Id, uids))
            {
                headBytes += head.Size;
                if (head.Contains("glycémie", headers: false) is { } found)
                {
                    undecided.Remove(head.Uid);
                    matched += found ? 1 : 0;
                }
            }

            var headTime = sw.Elapsed.TotalSeconds;
            var headCpu = (CpuTime() - cpu).TotalSeconds;
            cpu = CpuTime();
            sw.Restart();
            long textBytes = 0;
            await foreach (var text in env.Store.ReadSearchTextsAsync(inbox.Id, [.. undecided]))
            {
                textBytes += text.Size;
                matched += text.Contains("glycémie", headers: false) == true ? 1 : 0;
            }

            var textCpu = (CpuTime() - cpu).TotalSeconds;
            Report($"  store, one thread: filters {filterTime:F3}s cpu={filterCpu:F3}s candidates={uids.Length}; heads {headTime:F3}s cpu={headCpu:F3}s bytes={headBytes} " +
                   $"({headCpu * 1e6 / Math.Max(1, uids.Length):F1} us/message); whole texts of the {undecided.Count} undecided {sw.Elapsed.TotalSeconds:F3}s cpu={textCpu:F3}s " +
                   $"bytes={textBytes}; matched={matched}");
        }

        using var client = await RawImapClient.ConnectAsync(env.Server.LocalEndPoint);
        await client.CommandAsync("LOGIN bench " + Password);
        await client.CommandAsync("SELECT INBOX");
        await client.CommandAsync("UID SEARCH BODY \"bradycardie\""); // warm-up, not counted
        foreach (var (name, word) in new[] { ("rare", Needle), ("common", "glycémie"), ("absent", "cardiomyopathie"), ("rare", Needle) })
        {
            var times = new List<double>();
            var cpus = new List<double>();
            string? result = null;
            for (var i = 0; i < searchRuns; i++)
            {
                var cpu = CpuTime();
                var sw = Stopwatch.StartNew();
                var reply = word.All(char.IsAscii)
                    ? await client.CommandAsync($"UID SEARCH BODY \"{word}\"")
                    : await client.CommandAsync($"UID SEARCH CHARSET UTF-8 BODY {{{Encoding.UTF8.GetByteCount(word)}+}}\r\n{word}");
                times.Add(sw.Elapsed.TotalSeconds);
                cpus.Add((CpuTime() - cpu).TotalSeconds);
                result = reply.Untagged.FirstOrDefault(l => l.StartsWith("* SEARCH", StringComparison.Ordinal));
            }

            var found = result is null ? 0 : result.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length - 2;
            Report($"search_{name} backend={backend} messages={searchSize} bytes={bytes} best={times.Min():F3}s median={Median(times):F3}s " +
                   $"cpu_best={cpus.Min():F3}s cpu_median={Median(cpus):F3}s matches={found} rate={bytes / 1e6 / times.Min():F0}MB/s");
        }

        // The same common-word SEARCH as if the messages had been stored before schema version 6 (no
        // heads: every candidate read whole), in the same process and under the same load.
        await env.ExecuteAsync("DELETE FROM message_search_heads");
        {
            var times = new List<double>();
            var cpus = new List<double>();
            var found = 0;
            for (var i = 0; i < searchRuns; i++)
            {
                var cpu = CpuTime();
                var sw = Stopwatch.StartNew();
                var reply = await client.CommandAsync($"UID SEARCH CHARSET UTF-8 BODY {{{Encoding.UTF8.GetByteCount("glycémie")}+}}\r\nglycémie");
                times.Add(sw.Elapsed.TotalSeconds);
                cpus.Add((CpuTime() - cpu).TotalSeconds);
                found = (reply.Untagged.FirstOrDefault(l => l.StartsWith("* SEARCH", StringComparison.Ordinal))?.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length ?? 2) - 2;
            }

            Report($"search_common_without_heads backend={backend} messages={searchSize} best={times.Min():F3}s median={Median(times):F3}s " +
                   $"cpu_best={cpus.Min():F3}s cpu_median={Median(cpus):F3}s matches={found} rate={bytes / 1e6 / times.Min():F0}MB/s");
        }

        return 0;
    }

    private static async Task MeasureAsync(RawImapClient client, string backend, int messages, int runs, string command, string name)
    {
        var times = new List<double>();
        var cpuTimes = new List<double>();
        var lines = 0;
        long received = 0;
        await client.CommandAsync(command, keepUntagged: false); // warm-up (JIT, caches), not counted
        for (var i = 0; i < runs; i++)
        {
            var cpu = CpuTime();
            client.BytesReceived = 0;
            var sw = Stopwatch.StartNew();
            var reply = await client.CommandAsync(command, keepUntagged: false);
            times.Add(sw.Elapsed.TotalMilliseconds);
            cpuTimes.Add((CpuTime() - cpu).TotalMilliseconds);
            lines = reply.UntaggedCount;
            received = client.BytesReceived;
        }

        Report($"{name} backend={backend} mailbox={messages} responses={lines} bytes={received} best={times.Min():F0}ms median={Median(times):F0}ms " +
               $"cpu_median={Median(cpuTimes):F0}ms runs={runs} (Dovecot: 20000 envelopes ~200ms)");
    }

    /// <summary>Appends messages number <paramref name="from"/> up to <paramref name="to"/> (exclusive) with 8 writers; returns their bytes.</summary>
    private static async Task<long> PopulateAsync(IMailStore store, long folderId, MessageGenerator generator, int from, int to)
    {
        long bytes = 0;
        var next = from;
        var start = DateTimeOffset.UtcNow.AddDays(-400);
        var writers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var index = Interlocked.Increment(ref next) - 1;
                if (index >= to)
                {
                    return;
                }

                var raw = generator.Create(index);
                Interlocked.Add(ref bytes, raw.Length);
                var flags = index % 3 == 0 ? MessageFlags.None : MessageFlags.Seen;
                var stored = await store.AppendAsync(folderId, raw, flags, start.AddMinutes(index * 5));
                if (generator.IsNeedle(index))
                {
                    generator.NoteNeedleUid(stored.Uid);
                }
            }
        })).ToArray();
        await Task.WhenAll(writers);
        return bytes;
    }

    public static async Task<int> IdleAsync(Args arguments)
    {
        var backend = arguments.Get("backend", "sqlite");
        var connections = arguments.GetInt("connections", 5000);
        var sample = arguments.GetInt("sample", 100);
        var size = arguments.GetInt("messages", 0);
        await using var env = await BenchEnvironment.StartAsync(backend);

        var clock = Stopwatch.StartNew();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next) - 1) < connections)
            {
                await env.Store.CreateMailboxAsync(new NewMailbox($"u{i}@{Domain}", MailboxKind.Personal));
            }
        })));
        Report($"idle backend={backend} mailboxes={connections} created_in={clock.Elapsed.TotalSeconds:F1}s");
        if (size > 0)
        {
            clock.Restart();
            var shared = (await env.Store.FindFolderAsync((await env.Store.FindMailboxAsync($"u0@{Domain}"))!.Id, "INBOX"))!;
            await PopulateAsync(env.Store, shared.Id, new MessageGenerator(seed: 42), 0, size);
            Report($"idle backend={backend} shared_inbox_messages={size} populated_in={clock.Elapsed.TotalSeconds:F1}s");
        }

        var before = Memory();
        var self = Environment.ProcessPath!;
        var dll = typeof(Benchmarks).Assembly.Location;
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (!Path.GetFileNameWithoutExtension(self).Equals("OpenMss.Bench.Imap", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(dll);
        }

        foreach (var a in new[] { "idle-clients", "--port", env.Server.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture), "--connections", connections.ToString(CultureInfo.InvariantCulture), "--sample", sample.ToString(CultureInfo.InvariantCulture), "--shared", size > 0 ? "1" : "0" })
        {
            start.ArgumentList.Add(a);
        }

        using var child = Process.Start(start)!;
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<int, long>();
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var readerTask = Task.Run(async () =>
        {
            string? line;
            while ((line = await child.StandardOutput.ReadLineAsync()) is not null)
            {
                var parts = line.Split(' ');
                if (parts[0] == "exists")
                {
                    seen[int.Parse(parts[1], CultureInfo.InvariantCulture)] = long.Parse(parts[2], CultureInfo.InvariantCulture);
                }
                else if (parts[0] == "ready")
                {
                    ready.TrySetResult(line);
                }
                else
                {
                    Report("  client: " + line);
                }
            }

            ready.TrySetException(new IOException("the client process ended before it was ready"));
        });

        clock.Restart();
        var readyLine = await ready.Task.WaitAsync(TimeSpan.FromMinutes(4));
        Report($"  {readyLine}; server sessions={env.Server.ActiveSessions} after {clock.Elapsed.TotalSeconds:F1}s");
        await Task.Delay(TimeSpan.FromSeconds(3));

        // CPU the server spends while every session just idles (its IDLE re-reads the folder row every IdlePollInterval).
        var cpu = CpuTime();
        var idleWindow = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(10));
        var idleCpu = (CpuTime() - cpu).TotalSeconds / idleWindow.Elapsed.TotalSeconds;
        var after = Memory();
        Report($"idle backend={backend} connections={connections} sessions={env.Server.ActiveSessions} " +
               (size > 0 ? $"shared_inbox_messages={size} " : string.Empty) +
               $"working_set_before={before.WorkingSetMiB:F0}MiB working_set_after={after.WorkingSetMiB:F0}MiB " +
               $"gc_heap_before={before.HeapMiB:F1}MiB gc_heap_after={after.HeapMiB:F1}MiB " +
               $"per_connection={(after.WorkingSetMiB - before.WorkingSetMiB) * 1024 / connections:F0}KiB_ws/{(after.HeapMiB - before.HeapMiB) * 1024 / connections:F0}KiB_heap " +
               $"idle_cpu={idleCpu * 100:F0}%_of_one_core");

        async Task<int> StopClientsAsync()
        {
            child.StandardInput.Close();
            if (!child.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                child.Kill();
            }

            await readerTask;
            return 0;
        }

        if (size > 0)
        {
            // Every session is on u0's INBOX: the deliveries below would only reach one of them.
            return await StopClientsAsync();
        }

        // One delivery at a time to each sampled mailbox: the delay until its session sees EXISTS.
        var step = Math.Max(1, connections / sample);
        var sampled = Enumerable.Range(0, sample).Select(k => k * step).Where(i => i < connections).ToArray();
        var latencies = new List<double>();
        var missed = 0;
        foreach (var i in sampled)
        {
            var message = new MessageGenerator(i).Create(i);
            var t0 = Stopwatch.GetTimestamp();
            await env.Store.DeliverAsync(new InboundMessage("labo@" + Domain, [$"u{i}@{Domain}"], message, DateTimeOffset.UtcNow));
            var deadline = Stopwatch.StartNew();
            while (!seen.ContainsKey(i) && deadline.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(1);
            }

            if (seen.TryGetValue(i, out var t1))
            {
                latencies.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
            }
            else
            {
                missed++;
            }
        }

        latencies.Sort();
        double P(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))];

        // Then one message to all sampled mailboxes at once: the last session to hear of it.
        seen.Clear();
        var burst = new MessageGenerator(7).Create(7);
        var b0 = Stopwatch.GetTimestamp();
        await env.Store.DeliverAsync(new InboundMessage("labo@" + Domain, sampled.Select(i => $"u{i}@{Domain}").ToArray(), burst, DateTimeOffset.UtcNow));
        var burstDeadline = Stopwatch.StartNew();
        while (seen.Count < sampled.Length && burstDeadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(5);
        }

        var burstLast = seen.IsEmpty ? double.NaN : Stopwatch.GetElapsedTime(b0, seen.Values.Max()).TotalMilliseconds;

        Report($"idle_exists_latency backend={backend} connections={connections} sampled={sampled.Length} seen={latencies.Count} missed={missed} " +
               $"p50={P(0.5):F0}ms p90={P(0.9):F0}ms max={(latencies.Count == 0 ? double.NaN : latencies[^1]):F0}ms " +
               $"burst_to_{sampled.Length}: seen={seen.Count} last={burstLast:F0}ms");
        return await StopClientsAsync();
    }

    /// <summary>The child process: opens the IDLE sessions and prints when sampled ones see EXISTS.</summary>
    public static async Task<int> IdleClientsAsync(Args arguments)
    {
        var port = arguments.GetInt("port", 0);
        var connections = arguments.GetInt("connections", 5000);
        var sample = arguments.GetInt("sample", 100);
        var shared = arguments.GetInt("shared", 0) == 1;
        var step = Math.Max(1, connections / sample);
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        var clients = new RawImapClient[connections];
        var output = new Lock();
        var clock = Stopwatch.StartNew();
        var next = 0;
        var failures = 0;
        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next) - 1) < connections)
            {
                try
                {
                    var client = await RawImapClient.ConnectAsync(endpoint);
                    await client.CommandAsync($"LOGIN u{(shared ? 0 : i)} {Password}");
                    await client.CommandAsync("SELECT INBOX");
                    await client.StartIdleAsync();
                    clients[i] = client;
                }
                catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException)
                {
                    Interlocked.Increment(ref failures);
                    lock (output)
                    {
                        Console.WriteLine($"connection {i} failed: {ex.GetType().Name}: {ex.Message}");
                    }
                }
            }
        })));

        var watchers = new List<Task>();
        for (var k = 0; k < sample; k++)
        {
            var i = k * step;
            if (i >= connections || clients[i] is null)
            {
                continue;
            }

            var client = clients[i];
            watchers.Add(Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        var line = await client.ReadLineAsync();
                        if (line is null)
                        {
                            return;
                        }

                        if (line.EndsWith(" EXISTS", StringComparison.Ordinal))
                        {
                            var at = Stopwatch.GetTimestamp();
                            lock (output)
                            {
                                Console.WriteLine($"exists {i} {at}");
                            }
                        }
                    }
                }
                catch (IOException)
                {
                    // The session ended.
                }
            }));
        }

        lock (output)
        {
            Console.WriteLine($"ready connections={connections - failures} failed={failures} opened_in={clock.Elapsed.TotalSeconds:F1}s");
        }

        // The parent closes our standard input when it is done.
        await Console.In.ReadToEndAsync();
        foreach (var client in clients)
        {
            client?.Dispose();
        }

        return 0;
    }

    private static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static (double WorkingSetMiB, double HeapMiB) Memory()
    {
        var heap = GC.GetTotalMemory(forceFullCollection: true) / 1048576.0;
        using var process = Process.GetCurrentProcess();
        return (process.WorkingSet64 / 1048576.0, heap);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static void Report(string line) => Console.WriteLine(line);
}

/// <summary>A store, an IMAP server on an ephemeral loopback port with implicit TLS, and the temporary folder they live in.</summary>
internal sealed class BenchEnvironment : IAsyncDisposable
{
    private readonly DirectoryInfo work;

    private BenchEnvironment(DirectoryInfo work, IMailStore store, ImapServer server)
    {
        this.work = work;
        Store = store;
        Server = server;
    }

    public IMailStore Store { get; }

    public required StorageOptions Options { get; init; }

    /// <summary>Runs one statement on the store's database directly (the quick search mode drops the heads with it).</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using System.Data.Common.DbConnection connection = Options.Provider == "postgres"
            ? new Npgsql.NpgsqlConnection(Options.ConnectionString)
            : new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + Options.ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public ImapServer Server { get; }

    public static async Task<BenchEnvironment> StartAsync(string backend)
    {
        var work = Directory.CreateTempSubdirectory("openmss-bench-imap-");
        var options = backend == "postgres"
            ? new StorageOptions { Provider = "postgres", ConnectionString = await CreatePostgresDatabaseAsync(), EncryptionKeyFile = Path.Combine(work.FullName, "message.key") }
            : new StorageOptions { Provider = "sqlite", ConnectionString = Path.Combine(work.FullName, "bench.db"), EncryptionKeyFile = Path.Combine(work.FullName, "message.key") };
        var store = await MailStoreFactory.OpenAsync(options);
        using var ca = CertificateAuthority.Create("Bench Trust Authority");
        var certificate = ca.IssueOperatorCertificate("Médecins", ["medecin.mssante.fr"]);
        var server = new ImapServer(
            new ImapServerOptions
            {
                Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
                TlsMode = ImapTlsMode.Implicit,
                ServerCertificate = certificate.Certificate,
                HostName = "imap.medecin.mssante.fr",
                AllowPasswordAuthentication = true,
                MaxSessions = 20_000,
            },
            store,
            store,
            store,
            new BenchAuthenticator(),
            new StoreAuditSink(store));
        await server.StartAsync();
        return new BenchEnvironment(work, store, server) { Options = options };
    }

    private static async Task<string> CreatePostgresDatabaseAsync()
    {
        var admin = Environment.GetEnvironmentVariable("OPENMSS_TEST_POSTGRES")
            ?? throw new InvalidOperationException("OPENMSS_TEST_POSTGRES is not set (bench/run-imap.sh starts a PostgreSQL and sets it).");
        var name = "openmss_bench_" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = new Npgsql.NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new Npgsql.NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Store.DisposeAsync();
        work.Delete(recursive: true);
    }
}

// RawImapClient, BenchAuthenticator and Args are shared with bench/OpenMss.Bench.Compare (linked in the project file);
// MessageGenerator is bench/OpenMss.Bench.Messages.
