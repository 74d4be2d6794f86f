using System.Diagnostics;
using System.Globalization;
using System.Net;

/// <summary>
/// Concurrent IMAP client sessions (RFC 9051) against one server: each client repeats, back to back,
/// what a mail client does when it opens a mailbox — TLS, <c>LOGIN</c>, <c>SELECT INBOX</c>, the
/// headers of the 1,000 newest messages, one whole message, a body search of a common word among
/// those 1,000, <c>LOGOUT</c> — with <see cref="RawImapClient"/> (nothing parsed, so the client's
/// cost stays small next to the server's). The sessions completed in the window give the rate.
/// </summary>
internal static class SessionLoad
{
    /// <summary>In the vocabulary of <c>MessageGenerator</c>, so in most messages; ASCII, so a quoted string.</summary>
    private const string CommonWord = "traitement";

    /// <summary>What one window measured.</summary>
    internal sealed record Result(long Sessions, double Seconds, double ServerCpuSeconds, double P50, double P99, int HeadersPerSession, long BodyBytes, int Matches)
    {
        public double SessionsPerSecond => Seconds > 0 ? Sessions / Seconds : 0;
    }

    public static async Task<Result> RunAsync(IPEndPoint server, string user, string password, int inboxCount, int clients, TimeSpan warmup, TimeSpan window, Func<double> serverCpu)
    {
        var first = Math.Max(1, inboxCount - 999);
        var range = string.Create(CultureInfo.InvariantCulture, $"{first}:{inboxCount}");
        var measuring = 0;
        long completed = 0;
        var times = new List<double>[clients];
        var headers = 0;
        long bodyBytes = 0;
        var matches = 0;
        using var stop = new CancellationTokenSource();
        var tasks = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            times[c] = [];
            var rounds = 0;
            while (!stop.IsCancellationRequested)
            {
                var clock = Stopwatch.StartNew();
                using (var session = await RawImapClient.ConnectAsync(server))
                {
                    await session.CommandAsync($"LOGIN {user} {password}", keepUntagged: false);
                    await session.CommandAsync("SELECT INBOX", keepUntagged: false);
                    var fetched = await session.CommandAsync($"FETCH {range} (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER])", keepUntagged: false);
                    // A different message each time, among the 1,000 (deterministic per client and round).
                    var one = first + ((c * 7919) + (rounds++ * 104_729)) % (inboxCount - first + 1);
                    var before = session.BytesReceived;
                    await session.CommandAsync(string.Create(CultureInfo.InvariantCulture, $"FETCH {one} BODY.PEEK[]"), keepUntagged: false);
                    var body = session.BytesReceived - before;
                    var found = await session.CommandAsync($"UID SEARCH {range} BODY \"{CommonWord}\"");
                    await session.CommandAsync("LOGOUT", keepUntagged: false);
                    Volatile.Write(ref headers, fetched.UntaggedCount);
                    Interlocked.Exchange(ref bodyBytes, body);
                    Volatile.Write(ref matches, found.Untagged.Where(l => l.StartsWith("* SEARCH", StringComparison.Ordinal))
                        .Sum(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length - 2));
                }

                // Counted when it ends inside the window, wherever it started: the throughput.
                if (Volatile.Read(ref measuring) == 1)
                {
                    Interlocked.Increment(ref completed);
                    times[c].Add(clock.Elapsed.TotalSeconds);
                }
            }
        })).ToArray();

        await FirstOfAsync(Task.Delay(warmup), tasks);
        var cpu0 = serverCpu();
        var watch = Stopwatch.StartNew();
        Volatile.Write(ref measuring, 1);
        await FirstOfAsync(Task.Delay(window), tasks);
        Volatile.Write(ref measuring, 0);
        var seconds = watch.Elapsed.TotalSeconds;
        var cpu = serverCpu() - cpu0;
        var sessions = Interlocked.Read(ref completed);
        await stop.CancelAsync();
        await Task.WhenAll(tasks);
        var all = times.SelectMany(t => t).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(p * all.Length))];
        return new Result(sessions, seconds, cpu, Percentile(0.5), Percentile(0.99), headers, Interlocked.Read(ref bodyBytes), matches);
    }

    /// <summary>Waits for <paramref name="delay"/>, or rethrows the first client that failed before it.</summary>
    private static async Task FirstOfAsync(Task delay, Task[] clients)
    {
        var done = await Task.WhenAny(clients.Append(delay));
        await done;
        if (done != delay)
        {
            throw new InvalidOperationException("an IMAP client ended before the window did");
        }
    }
}
