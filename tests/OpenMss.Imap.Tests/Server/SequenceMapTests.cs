using OpenMss.Imap.Server;
using OpenMss.Storage;

namespace OpenMss.Imap.Tests.Server;

/// <summary>The sequence map against a plain list of UIDs under random appends and expunges.</summary>
public sealed class SequenceMapTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Random_appends_and_expunges_map_like_a_plain_list(int seed)
    {
        var random = new Random(seed);
        var model = new List<long>();
        var map = new SequenceMap();
        long next = 1;
        for (var step = 0; step < 3000; step++)
        {
            var roll = random.Next(10);
            if (roll < 6 || model.Count == 0)
            {
                // Sometimes a gap: UIDs taken by messages delivered and expunged, or moved away, meanwhile.
                next += random.Next(4) == 0 ? random.Next(1, 5) : 0;
                model.Add(next);
                map.Append(next);
                next++;
            }
            else
            {
                var sequence = random.Next(1, model.Count + 1);
                model.RemoveAt(sequence - 1);
                map.RemoveAt(sequence);
            }

            if (step % 97 == 0)
            {
                AssertSame(model, map);
            }
        }

        AssertSame(model, map);
        AssertSame(model, SequenceMap.From(model));
        AssertSame(model, SequenceMap.From(RunsOf(model)));
    }

    [Fact]
    public void Messages_arriving_in_order_are_one_run_whatever_their_number()
    {
        var map = SequenceMap.From(Enumerable.Range(1, 100_000).Select(i => (long)i));

        Assert.Equal(1, map.RunCount);
        Assert.Equal(100_000, map.Count);
        Assert.Equal(54_321, map.UidAt(54_321));

        map.RemoveAt(50_000);

        Assert.Equal(2, map.RunCount);
        Assert.Equal(50_001, map.UidAt(50_000));
        Assert.Equal(0, map.SequenceOf(50_000));
        Assert.Equal(99_999, map.SequenceOf(100_000));
    }

    [Fact]
    public void Appending_a_uid_not_above_the_last_is_refused()
    {
        var map = SequenceMap.From([3, 4]);

        Assert.Throws<ArgumentOutOfRangeException>(() => map.Append(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => map.UidAt(3));
        Assert.Equal(0, map.SequenceOf(5));
        Assert.Equal(0, map.SequenceOf(2));
    }

    /// <summary>The runs the store would give for <paramref name="uids"/> (its gaps-and-islands query).</summary>
    private static List<UidRun> RunsOf(List<long> uids)
    {
        var runs = new List<UidRun>();
        foreach (var uid in uids)
        {
            if (runs.Count > 0 && runs[^1].FirstUid + runs[^1].Count == uid)
            {
                runs[^1] = runs[^1] with { Count = runs[^1].Count + 1 };
            }
            else
            {
                runs.Add(new UidRun(uid, 1));
            }
        }

        return runs;
    }

    private static void AssertSame(List<long> model, SequenceMap map)
    {
        Assert.Equal(model.Count, map.Count);
        Assert.Equal(model.Count == 0 ? 0 : model[^1], map.Last);
        Assert.Equal(model.Select((uid, i) => (i + 1, uid)), map.All());
        for (var i = 0; i < model.Count; i++)
        {
            Assert.Equal(model[i], map.UidAt(i + 1));
            Assert.Equal(i + 1, map.SequenceOf(model[i]));
        }

        // UIDs not in the folder (the gaps, below and above) have no sequence number.
        var present = model.ToHashSet();
        for (long uid = 0; uid <= (model.Count == 0 ? 3 : model[^1] + 2); uid++)
        {
            if (!present.Contains(uid))
            {
                Assert.Equal(0, map.SequenceOf(uid));
            }
        }

        if (model.Count > 2)
        {
            var from = model[model.Count / 3] - 1;
            var to = model[2 * model.Count / 3];
            Assert.Equal(model.Select((uid, i) => (i + 1, uid)).Where(m => m.uid >= from && m.uid <= to), map.Between(from, to));
        }
    }
}
