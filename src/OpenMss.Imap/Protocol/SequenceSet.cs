using System.Globalization;

namespace OpenMss.Imap.Protocol;

/// <summary>
/// An RFC 3501 <c>sequence-set</c> (<c>1:4,7,10:*</c>) of message sequence numbers or UIDs.
/// <c>*</c> is kept symbolic and resolved against the folder when the set is applied.
/// </summary>
public sealed class SequenceSet
{
    private const int MaxRanges = 10_000;

    private SequenceSet(IReadOnlyList<(long Start, long End)> ranges) => Ranges = ranges;

    /// <summary>The ranges as written; <see cref="long.MaxValue"/> stands for <c>*</c>. Start may exceed End (<c>4:2</c> is 2:4).</summary>
    public IReadOnlyList<(long Start, long End)> Ranges { get; }

    public static bool TryParse(string text, out SequenceSet? set)
    {
        set = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var parts = text.Split(',');
        if (parts.Length > MaxRanges)
        {
            return false;
        }

        var ranges = new List<(long, long)>(parts.Length);
        foreach (var part in parts)
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                if (!TryNumber(part, out var n))
                {
                    return false;
                }

                ranges.Add((n, n));
            }
            else
            {
                if (!TryNumber(part[..colon], out var a) || !TryNumber(part[(colon + 1)..], out var b))
                {
                    return false;
                }

                ranges.Add(a <= b ? (a, b) : (b, a));
            }
        }

        set = new SequenceSet(ranges);
        return true;
    }

    /// <summary>True when <paramref name="value"/> is in the set, <c>*</c> meaning <paramref name="largest"/>.</summary>
    public bool Contains(long value, long largest)
    {
        foreach (var (start, end) in Ranges)
        {
            var s = start == long.MaxValue ? largest : start;
            var e = end == long.MaxValue ? largest : end;
            if (s > e)
            {
                (s, e) = (e, s);
            }

            if (value >= s && value <= e)
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() =>
        string.Join(',', Ranges.Select(r => r.Start == r.End ? Format(r.Start) : Format(r.Start) + ":" + Format(r.End)));

    /// <summary>Formats ascending numbers compactly (<c>1:3,7</c>) for COPYUID/APPENDUID and SEARCH-like replies.</summary>
    public static string Compact(IEnumerable<long> values)
    {
        var parts = new List<string>();
        long? start = null;
        long previous = 0;
        foreach (var value in values)
        {
            if (start is not null && value == previous + 1)
            {
                previous = value;
                continue;
            }

            if (start is not null)
            {
                parts.Add(start == previous ? Format(previous) : Format(start.Value) + ":" + Format(previous));
            }

            start = value;
            previous = value;
        }

        if (start is not null)
        {
            parts.Add(start == previous ? Format(previous) : Format(start.Value) + ":" + Format(previous));
        }

        return string.Join(',', parts);
    }

    private static string Format(long value) => value == long.MaxValue ? "*" : value.ToString(CultureInfo.InvariantCulture);

    private static bool TryNumber(string text, out long value)
    {
        if (text == "*")
        {
            value = long.MaxValue;
            return true;
        }

        // nz-number: no leading zero, no sign, at most 32 bits.
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value)
            && value is > 0 and <= uint.MaxValue && text[0] != '0';
    }
}
