using System.Diagnostics;
using OpenMss.Imap.Server;
using OpenMss.Storage;

/// <summary>
/// The memory a session keeps for its selected folder, without a server: the sequence map of a
/// folder of --messages UIDs with a share of them expunged at random, against what sessions kept
/// before (a <c>List&lt;long&gt;</c> of UIDs and a dictionary of every message's flags), and the
/// time of the sequence-number lookups FETCH and SEARCH make.
/// </summary>
internal static class SequenceMapProbe
{
    public static int Run(Args arguments)
    {
        var messages = arguments.GetInt("messages", 100_000);
        foreach (var expunged in new[] { 0.0, 0.001, 0.01, 0.1, 0.5 })
        {
            var random = new Random(42);
            var uids = Enumerable.Range(1, messages).Select(i => (long)i).Where(_ => random.NextDouble() >= expunged).ToArray();

            var (map, mapBytes) = Retained(() => SequenceMap.From(uids));
            var (old, oldBytes) = Retained(() =>
            {
                var list = new List<long>();
                var flags = new Dictionary<long, MessageFlagState>();
                foreach (var uid in uids)
                {
                    list.Add(uid);
                    flags[uid] = new MessageFlagState(uid, MessageFlags.Seen, [], uid);
                }

                return (list, flags);
            });

            // What FETCH 1:* and SEARCH do: every message's UID from its number, and back.
            var clock = Stopwatch.StartNew();
            long sum = 0;
            for (var sequence = 1; sequence <= map.Count; sequence++)
            {
                sum += map.SequenceOf(map.UidAt(sequence));
            }

            var lookups = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            foreach (var (sequence, _) in map.All())
            {
                sum -= sequence;
            }

            var scan = clock.Elapsed.TotalMilliseconds;
            Benchmarks.Report(
                $"probe messages={messages} expunged={expunged:P1} kept={map.Count} runs={map.RunCount} map_bytes={mapBytes} " +
                $"before_bytes={oldBytes} (list+flags) lookups_1_to_n={lookups:F1}ms scan={scan:F1}ms check={sum}");
            GC.KeepAlive(old);
        }

        return 0;
    }

    /// <summary>What <paramref name="build"/> makes and the bytes of heap it keeps (everything else collected before and after).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (T Value, long Bytes) Retained<T>(Func<T> build)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var value = build();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        return (value, after - before);
    }
}
