using OpenMss.Storage;

namespace OpenMss.Imap.Server;

/// <summary>
/// A session's message sequence numbers (RFC 3501 §2.3.1.2): the UIDs of its selected folder in
/// ascending order, stored as runs of consecutive UIDs. Messages arrive in UID order and most are
/// never expunged, so a large folder is a handful of runs: the memory follows the number of gaps,
/// not the number of messages, and both directions of the mapping are a binary search over runs.
/// </summary>
/// <remarks>
/// The worst case (no two UIDs consecutive, e.g. every other message expunged) costs 16 bytes a
/// message, twice a plain <c>List&lt;long&gt;</c>; docs/protocols.md ("What a session keeps of its
/// selected folder") discusses it.
/// </remarks>
internal sealed class SequenceMap
{
    private Run[] runs = [];
    private int runCount;

    /// <summary>The number of messages (the highest sequence number).</summary>
    public int Count { get; private set; }

    /// <summary>The highest UID, or 0 when the folder is empty.</summary>
    public long Last => runCount == 0 ? 0 : runs[runCount - 1].Start + runs[runCount - 1].Length - 1;

    /// <summary>The number of runs of consecutive UIDs (what the memory follows).</summary>
    public int RunCount => runCount;

    /// <summary>A map of <paramref name="ascendingUids"/>, which must be strictly ascending.</summary>
    public static SequenceMap From(IEnumerable<long> ascendingUids)
    {
        ArgumentNullException.ThrowIfNull(ascendingUids);
        var map = new SequenceMap();
        foreach (var uid in ascendingUids)
        {
            map.Append(uid);
        }

        map.Trim();
        return map;
    }

    /// <summary>A map of the store's runs of UIDs (<see cref="IFolderStore.ListUidRunsAsync"/>), ascending.</summary>
    public static SequenceMap From(IReadOnlyList<UidRun> ascendingRuns)
    {
        ArgumentNullException.ThrowIfNull(ascendingRuns);
        var map = new SequenceMap { runs = new Run[ascendingRuns.Count] };
        foreach (var run in ascendingRuns)
        {
            if (run.Count <= 0 || run.FirstUid <= map.Last || map.Count + run.Count > int.MaxValue)
            {
                throw new ArgumentException("Runs must be non-empty, ascending and apart", nameof(ascendingRuns));
            }

            if (map.runCount > 0 && run.FirstUid == map.Last + 1)
            {
                map.runs[map.runCount - 1].Length += (int)run.Count;
            }
            else
            {
                map.runs[map.runCount++] = new Run(run.FirstUid, (int)run.Count, map.Count);
            }

            map.Count += (int)run.Count;
        }

        map.Trim();
        return map;
    }

    /// <summary>Adds <paramref name="uid"/> as the new last message (a new message: its UID is above every other).</summary>
    public void Append(long uid)
    {
        if (uid <= Last)
        {
            throw new ArgumentOutOfRangeException(nameof(uid), "UIDs are appended in ascending order");
        }

        if (runCount > 0 && uid == Last + 1)
        {
            runs[runCount - 1].Length++;
        }
        else
        {
            if (runCount == runs.Length)
            {
                Array.Resize(ref runs, Math.Max(4, runs.Length * 2));
            }

            runs[runCount++] = new Run(uid, 1, Count);
        }

        Count++;
    }

    /// <summary>The UID of message <paramref name="sequence"/> (1-based).</summary>
    public long UidAt(int sequence)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sequence, Count);
        var index = RunOfSequence(sequence - 1);
        return runs[index].Start + (sequence - 1 - runs[index].Before);
    }

    /// <summary>The sequence number of <paramref name="uid"/> (1-based), or 0 when it is not in the folder.</summary>
    public int SequenceOf(long uid)
    {
        var index = RunOfUid(uid);
        if (index < 0)
        {
            return 0;
        }

        var run = runs[index];
        return uid < run.Start + run.Length ? run.Before + (int)(uid - run.Start) + 1 : 0;
    }

    /// <summary>Removes message <paramref name="sequence"/>: the ones above it move down by one (an EXPUNGE).</summary>
    public void RemoveAt(int sequence)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sequence, Count);
        var index = RunOfSequence(sequence - 1);
        var run = runs[index];
        var offset = sequence - 1 - run.Before;
        if (run.Length == 1)
        {
            Array.Copy(runs, index + 1, runs, index, runCount - index - 1);
            runCount--;
        }
        else if (offset == 0)
        {
            runs[index] = new Run(run.Start + 1, run.Length - 1, run.Before);
            index++;
        }
        else if (offset == run.Length - 1)
        {
            runs[index].Length--;
            index++;
        }
        else
        {
            if (runCount == runs.Length)
            {
                Array.Resize(ref runs, runs.Length * 2);
            }

            Array.Copy(runs, index + 1, runs, index + 2, runCount - index - 1);
            runCount++;
            runs[index] = new Run(run.Start, offset, run.Before);
            runs[index + 1] = new Run(run.Start + offset + 1, run.Length - offset - 1, run.Before + offset);
            index += 2;
        }

        for (var i = index; i < runCount; i++)
        {
            runs[i].Before--;
        }

        Count--;
    }

    /// <summary>The messages whose UIDs lie in [<paramref name="from"/>, <paramref name="to"/>], ascending, with their sequence numbers.</summary>
    public IEnumerable<(int Sequence, long Uid)> Between(long from, long to)
    {
        if (runCount == 0 || from > to)
        {
            yield break;
        }

        var index = Math.Max(RunOfUid(from), 0);
        for (; index < runCount; index++)
        {
            var run = runs[index];
            if (run.Start > to)
            {
                yield break;
            }

            var first = Math.Max(run.Start, from);
            var last = Math.Min(run.Start + run.Length - 1, to);
            for (var uid = first; uid <= last; uid++)
            {
                yield return (run.Before + (int)(uid - run.Start) + 1, uid);
            }
        }
    }

    /// <summary>Every message, ascending, with its sequence number.</summary>
    public IEnumerable<(int Sequence, long Uid)> All() => Between(long.MinValue, long.MaxValue);

    /// <summary>Releases the spare capacity (after the map was built in one go).</summary>
    public void Trim()
    {
        if (runs.Length > runCount)
        {
            Array.Resize(ref runs, runCount);
        }
    }

    /// <summary>The last run starting at or below <paramref name="uid"/>, or -1.</summary>
    private int RunOfUid(long uid) => LastRunAtOrBelow(uid, bySequence: false);

    /// <summary>The run holding the message at 0-based <paramref name="position"/>.</summary>
    private int RunOfSequence(int position) => LastRunAtOrBelow(position, bySequence: true);

    /// <summary>Binary search: the last run whose first UID (or first 0-based position) is at most <paramref name="value"/>, or -1.</summary>
    private int LastRunAtOrBelow(long value, bool bySequence)
    {
        int low = 0, high = runCount - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            if ((bySequence ? runs[middle].Before : runs[middle].Start) <= value)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return high;
    }

    /// <summary>UIDs <see cref="Start"/> to <see cref="Start"/> + <see cref="Length"/> - 1, preceded by <see cref="Before"/> messages.</summary>
    private struct Run(long start, int length, int before)
    {
        public long Start = start;
        public int Length = length;
        public int Before = before;
    }
}
