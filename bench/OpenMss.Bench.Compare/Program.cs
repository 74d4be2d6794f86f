using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using OpenMss.Bench.Messages;
using OpenMss.Core;
using OpenMss.Imap.Server;
using OpenMss.Storage;
using StoreFlags = OpenMss.Storage.MessageFlags;

// The IMAP half of bench/compare.sh (docs/benchmarks.md, "Targets": FETCH at least as fast as Dovecot, body SEARCH ten
// times Dovecot's unindexed scan), with one client implementation (MailKit) for both servers.
//
//   maildir       writes the generated mailbox as a Maildir (cur/, S=size in the names, seen flags)
//                 for Dovecot: OpenMss.Bench.Compare maildir --dir D --count N [--needle-period P]
//   openmss-imap  fills a SQLite store (encrypted at rest, IMailStore.AppendAsync by 8 writers, as
//                 bench/OpenMss.Bench.Imap does) with the same messages, serves it with the real
//                 ImapServer (implicit TLS) on a free loopback port, prints "ready port=P", and runs
//                 until its standard input closes:
//                 OpenMss.Bench.Compare openmss-imap --count N --cert c.pem --key c.key [--needle-period P]
//   imap-client   measures FETCH of envelopes and body SEARCH (rare, absent and common word) with MailKit,
//                 and the same FETCH with a raw line client (the server's time without MailKit's parsing),
//                 on each server in turn, run after run:
//                 OpenMss.Bench.Compare imap-client --targets dovecot:PORT:PID,openmss:PORT:PID
//                 [--user bench] [--password bench] [--fetch 20000] [--runs 5] [--search-runs 2] [--bytes B]
//                 [--session-clients 1,32] [--session-seconds 10] [--session-warmup 2] [--session-runs 2]
//                 [--close-runs 5] [--close-band 0.15]
//                 Sessions: N clients at once, each repeating a whole client session (TLS, LOGIN,
//                 SELECT INBOX, FETCH of the headers of the 1,000 newest messages, FETCH of one whole
//                 message, UID SEARCH BODY of a common word among those 1,000, LOGOUT), raw line client.
//                 Where OpenMSS / Dovecot is within --close-band of its target (FETCH 1x, body SEARCH
//                 10x, sessions 1x), runs are added until each side has --close-runs, whose median decides.
//   mailboxes     creates dr0..dr<N-1>@medecin.mssante.fr in an operator's store before it is served:
//                 OpenMss.Bench.Compare mailboxes --provider sqlite|postgres --connection CS --key FILE --count N
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var arguments = Args.Parse(args);
return arguments.Command switch
{
    "maildir" => Compare.WriteMaildir(arguments),
    "openmss-imap" => await Compare.ServeOpenMssAsync(arguments),
    "imap-client" => await Compare.MeasureImapAsync(arguments),
    "mailboxes" => await Compare.CreateMailboxesAsync(arguments),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: OpenMss.Bench.Compare maildir|openmss-imap|imap-client [options] (see Program.cs)");
    return 2;
}

internal static class Compare
{
    private const int Seed = 42;
    private static readonly DateTimeOffset FirstArrival = new(2025, 1, 1, 8, 0, 0, TimeSpan.Zero);

    public static int WriteMaildir(Args arguments)
    {
        var root = arguments.Get("dir", "");
        var count = arguments.GetInt("count", 100_000);
        var generator = new MessageGenerator(Seed, arguments.GetInt("needle-period", 25_000));
        var cur = Path.Combine(root, "cur");
        Directory.CreateDirectory(cur);
        Directory.CreateDirectory(Path.Combine(root, "new"));
        Directory.CreateDirectory(Path.Combine(root, "tmp"));
        long bytes = 0;
        var needles = 0;
        var clock = Stopwatch.StartNew();
        // File creation dominates (about a millisecond each on a virtual disk): several at a time.
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 6 }, index =>
        {
            // Maildir stores LF line ends; Dovecot serves them as CRLF (the sizes it reports are the CRLF ones).
            var raw = generator.Create(index);
            Interlocked.Add(ref bytes, raw.Length);
            if (generator.IsNeedle(index))
            {
                Interlocked.Increment(ref needles);
            }

            var lf = System.Text.Encoding.ASCII.GetBytes(System.Text.Encoding.ASCII.GetString(raw).Replace("\r\n", "\n", StringComparison.Ordinal));
            var arrival = FirstArrival.AddMinutes(index * 5);
            var flags = index % 3 == 0 ? "" : "S";
            var name = string.Create(CultureInfo.InvariantCulture, $"{arrival.ToUnixTimeSeconds()}.M{index}P1.bench,S={lf.Length},W={raw.Length}:2,{flags}");
            var path = Path.Combine(cur, name);
            File.WriteAllBytes(path, lf);
            File.SetLastWriteTimeUtc(path, arrival.UtcDateTime);
        });
        Console.WriteLine($"maildir dir={root} messages={count} bytes={bytes} needles={needles} seconds={clock.Elapsed.TotalSeconds:F1}");
        return 0;
    }

    public static async Task<int> ServeOpenMssAsync(Args arguments)
    {
        var count = arguments.GetInt("count", 100_000);
        var generator = new MessageGenerator(Seed, arguments.GetInt("needle-period", 25_000));
        var work = Directory.CreateTempSubdirectory("openmss-compare-imap-");
        try
        {
            await using var store = await MailStoreFactory.OpenAsync(new StorageOptions
            {
                Provider = "sqlite",
                ConnectionString = Path.Combine(work.FullName, "bench.db"),
                EncryptionKeyFile = Path.Combine(work.FullName, "message.key"),
            });
            var mailbox = await store.CreateMailboxAsync(new NewMailbox("bench@medecin.mssante.fr", MailboxKind.Personal, "Dr Bench", "810000000001"));
            var inbox = (await store.FindFolderAsync(mailbox.Id, "INBOX"))!;
            var clock = Stopwatch.StartNew();
            long bytes = 0;
            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                int index;
                while ((index = Interlocked.Increment(ref next) - 1) < count)
                {
                    var raw = generator.Create(index);
                    Interlocked.Add(ref bytes, raw.Length);
                    var flags = index % 3 == 0 ? StoreFlags.None : StoreFlags.Seen;
                    await store.AppendAsync(inbox.Id, raw, flags, FirstArrival.AddMinutes(index * 5));
                }
            })));
            Console.Error.WriteLine($"openmss-imap filled {count} messages ({bytes} bytes) in {clock.Elapsed.TotalSeconds:F1}s");

            using var certificate = X509Certificate2.CreateFromPemFile(arguments.Get("cert", ""), arguments.Get("key", ""));
            await using var server = new ImapServer(
                new ImapServerOptions
                {
                    Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
                    TlsMode = ImapTlsMode.Implicit,
                    ServerCertificate = certificate,
                    HostName = "imap.medecin.mssante.fr",
                    AllowPasswordAuthentication = true,
                },
                store,
                store,
                store,
                new BenchAuthenticator(),
                new StoreAuditSink(store));
            await server.StartAsync();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ready port={server.LocalEndPoint.Port} pid={Environment.ProcessId} messages={count} bytes={bytes} fill_seconds={clock.Elapsed.TotalSeconds:F1}"));
            await Console.In.ReadToEndAsync();
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    public static async Task<int> CreateMailboxesAsync(Args arguments)
    {
        var count = arguments.GetInt("count", 64);
        var domain = arguments.Get("domain", "medecin.mssante.fr");
        await using var store = await MailStoreFactory.OpenAsync(new StorageOptions
        {
            Provider = arguments.Get("provider", "sqlite"),
            ConnectionString = arguments.Get("connection", ""),
            EncryptionKeyFile = arguments.Get("key", ""),
        });
        for (var i = 0; i < count; i++)
        {
            await store.CreateMailboxAsync(new NewMailbox($"dr{i}@{domain}", MailboxKind.Personal));
        }

        return 0;
    }

    public static async Task<int> MeasureImapAsync(Args arguments)
    {
        var fetch = arguments.GetInt("fetch", 20_000);
        var runs = arguments.GetInt("runs", 5);
        var searchRuns = arguments.GetInt("search-runs", 2);
        var bytes = long.Parse(arguments.Get("bytes", "0"), CultureInfo.InvariantCulture);
        var user = arguments.Get("user", "bench");
        var password = arguments.Get("password", "bench");
        var closeRuns = arguments.GetInt("close-runs", 5);
        var closeBand = double.Parse(arguments.Get("close-band", "0.15"), CultureInfo.InvariantCulture);
        var sessionClients = arguments.Get("session-clients", "1,32").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        var sessionSeconds = double.Parse(arguments.Get("session-seconds", "10"), CultureInfo.InvariantCulture);
        var sessionWarmup = double.Parse(arguments.Get("session-warmup", "2"), CultureInfo.InvariantCulture);
        var sessionRuns = arguments.GetInt("session-runs", 2);

        // label:port:pid,label:port:pid — every measurement runs on each server in turn, run after
        // run, so that a burst of other work on the machine does not land on one side only.
        var targets = new List<Target>();
        foreach (var spec in arguments.Get("targets", "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = spec.Split(':');
            var port = int.Parse(parts[1], CultureInfo.InvariantCulture);
            var client = new ImapClient();
            // The certificates come from the bench's own authority; TLS itself is what matters here.
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.SslOnConnect);
            await client.AuthenticateAsync(user, password);
            var clock = Stopwatch.StartNew();
            await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
            Report($"imap label={parts[0]} op=select messages={client.Inbox.Count} seconds={clock.Elapsed.TotalSeconds:F3}");
            var raw = await RawImapClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            await raw.CommandAsync($"LOGIN {user} {password}");
            await raw.CommandAsync("SELECT INBOX");
            targets.Add(new Target(parts[0], port, int.Parse(parts[2], CultureInfo.InvariantCulture), client, raw));
        }

        var last = Math.Min(fetch, targets.Min(t => t.Client.Inbox.Count)) - 1;
        var request = new FetchRequest(MessageSummaryItems.Envelope | MessageSummaryItems.Flags);
        var command = $"FETCH 1:{last + 1} (FLAGS ENVELOPE)";

        // Warm-up, not counted: JIT on one side, Dovecot's index and cache files on the other.
        foreach (var t in targets)
        {
            await t.Client.Inbox.FetchAsync(0, last, request);
            await t.Raw.CommandAsync(command, keepUntagged: false);
        }

        // The raw FETCH is the row (the server's speed); the MailKit one runs alongside.
        for (var i = 0; i < runs || i < ExtraRuns(targets, "fetch_envelopes_raw", 1.0, closeRuns, closeBand); i++)
        {
            foreach (var t in targets)
            {
                var cpu = ProcessTreeCpu.Seconds(t.Pid);
                var sw = Stopwatch.StartNew();
                var summaries = await t.Client.Inbox.FetchAsync(0, last, request);
                t.Add("fetch_envelopes", sw.Elapsed.TotalSeconds, ProcessTreeCpu.Seconds(t.Pid) - cpu);
                t.Envelopes = summaries.Count(s => s.Envelope is not null);

                // The same FETCH with a raw line client (no response parsing): the server's time, not MailKit's.
                cpu = ProcessTreeCpu.Seconds(t.Pid);
                t.Raw.BytesReceived = 0;
                sw.Restart();
                var reply = await t.Raw.CommandAsync(command, keepUntagged: false);
                t.Add("fetch_envelopes_raw", sw.Elapsed.TotalSeconds, ProcessTreeCpu.Seconds(t.Pid) - cpu);
                t.Responses = reply.UntaggedCount;
                t.ResponseBytes = t.Raw.BytesReceived;
            }
        }

        foreach (var t in targets)
        {
            var (times, cpus) = t.Results["fetch_envelopes"];
            Report($"imap label={t.Label} op=fetch_envelopes messages={last + 1} envelopes={t.Envelopes} runs={times.Count} best={times.Min():F3}s median={Median(times):F3}s " +
                   $"server_cpu_median={Median(cpus):F2}s rate={(last + 1) / times.Min():F0}/s");
            (times, cpus) = t.Results["fetch_envelopes_raw"];
            Report($"imap label={t.Label} op=fetch_envelopes_raw messages={last + 1} responses={t.Responses} response_bytes={t.ResponseBytes} runs={times.Count} best={times.Min():F3}s " +
                   $"median={Median(times):F3}s server_cpu_median={Median(cpus):F2}s rate={(last + 1) / times.Min():F0}/s");
        }

        foreach (var (op, word) in new[] { ("search_rare", MessageGenerator.Needle), ("search_absent", MessageGenerator.Absent), ("search_common", MessageGenerator.Common) })
        {
            foreach (var t in targets)
            {
                await t.Client.Inbox.SearchAsync(SearchQuery.BodyContains(word)); // warm-up: page cache, JIT
            }

            for (var i = 0; i < searchRuns || i < ExtraRuns(targets, op, 10.0, closeRuns, closeBand); i++)
            {
                foreach (var t in targets)
                {
                    var cpu = ProcessTreeCpu.Seconds(t.Pid);
                    var sw = Stopwatch.StartNew();
                    var found = await t.Client.Inbox.SearchAsync(SearchQuery.BodyContains(word));
                    t.Add(op, sw.Elapsed.TotalSeconds, ProcessTreeCpu.Seconds(t.Pid) - cpu);
                    t.Matches = found.Count;
                }
            }

            foreach (var t in targets)
            {
                var (times, cpus) = t.Results[op];
                Report($"imap label={t.Label} op={op} word={word} messages={t.Client.Inbox.Count} bytes={bytes} matches={t.Matches} runs={times.Count} best={times.Min():F3}s " +
                       $"median={Median(times):F3}s server_cpu_median={Median(cpus):F2}s rate={bytes / 1e6 / times.Min():F0}MB/s");
            }
        }

        foreach (var clients in sessionClients)
        {
            var op = string.Create(CultureInfo.InvariantCulture, $"sessions_{clients}");
            var inbox = targets.Min(t => t.Client.Inbox.Count);
            for (var i = 0; i < sessionRuns || i < ExtraRuns(targets, op, 1.0, closeRuns, closeBand); i++)
            {
                foreach (var t in targets)
                {
                    var run = await SessionLoad.RunAsync(new IPEndPoint(IPAddress.Loopback, t.Port), user, password, inbox, clients,
                        TimeSpan.FromSeconds(sessionWarmup), TimeSpan.FromSeconds(sessionSeconds), () => ProcessTreeCpu.Seconds(t.Pid));
                    // Stored as "time" = 1 / rate so that best/median read like the other rows; reported as rates.
                    t.Add(op, 1 / Math.Max(run.SessionsPerSecond, 1e-9), run.ServerCpuSeconds / Math.Max(1, run.Sessions));
                    t.Sessions[op] = run;
                }
            }

            foreach (var t in targets)
            {
                var (times, cpus) = t.Results[op];
                var run = t.Sessions[op];
                Report($"imap label={t.Label} op={op} clients={clients} runs={times.Count} best_rate={1 / times.Min():F1}/s median_rate={1 / Median(times):F1}/s " +
                       $"server_cpu_per_session_median={Median(cpus) * 1000:F1}ms p50={run.P50 * 1000:F0}ms p99={run.P99 * 1000:F0}ms " +
                       $"headers={run.HeadersPerSession} body_bytes={run.BodyBytes} matches={run.Matches}");
            }
        }

        foreach (var t in targets)
        {
            await t.Raw.CommandAsync("LOGOUT");
            t.Raw.Dispose();
            await t.Client.DisconnectAsync(quit: true);
            t.Client.Dispose();
        }

        return 0;
    }

    /// <summary>One server under measurement: its sessions and what was measured on it.</summary>
    private sealed class Target(string label, int port, int pid, ImapClient client, RawImapClient raw)
    {
        public string Label { get; } = label;

        public int Port { get; } = port;

        public int Pid { get; } = pid;

        public ImapClient Client { get; } = client;

        public RawImapClient Raw { get; } = raw;

        public Dictionary<string, (List<double> Times, List<double> Cpus)> Results { get; } = [];

        public Dictionary<string, SessionLoad.Result> Sessions { get; } = [];

        public int Envelopes { get; set; }

        public int Responses { get; set; }

        public long ResponseBytes { get; set; }

        public int Matches { get; set; }

        public void Add(string op, double seconds, double cpu)
        {
            if (!Results.TryGetValue(op, out var lists))
            {
                lists = ([], []);
                Results[op] = lists;
            }

            lists.Times.Add(seconds);
            lists.Cpus.Add(cpu);
        }
    }

    /// <summary>
    /// How many runs <paramref name="op"/> needs on each side: <paramref name="closeRuns"/> when the
    /// ratio of the first target (the peer) to the second (OpenMSS) measured so far, from the best
    /// runs or from the medians, is within <paramref name="band"/> of <paramref name="target"/>, else 0.
    /// The stored values are times (sessions store 1 / rate), so the ratio is peer / OpenMSS either way.
    /// </summary>
    private static int ExtraRuns(List<Target> targets, string op, double target, int closeRuns, double band)
    {
        if (targets.Count != 2 || !targets[0].Results.TryGetValue(op, out var peer) || !targets[1].Results.TryGetValue(op, out var ours)
            || peer.Times.Count == 0 || ours.Times.Count == 0)
        {
            return 0;
        }

        bool Close(double ratio) => Math.Abs(ratio / target - 1) <= band;
        return Close(peer.Times.Min() / ours.Times.Min()) || Close(Median(peer.Times) / Median(ours.Times)) ? closeRuns : 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static void Report(string line) => Console.WriteLine(line);
}

// BenchAuthenticator and Args are in BenchSupport.cs, shared with bench/OpenMss.Bench.Imap.
