using System.Globalization;

/// <summary>CPU time of a process and everything under it, from /proc (Linux).</summary>
internal static class ProcessTreeCpu
{
    // USER_HZ is 100 on every Linux the project runs on (x86-64 and arm64 kernels).
    private const double TicksPerSecond = 100.0;

    /// <summary>
    /// utime+stime+cutime+cstime of <paramref name="root"/> and of its live descendants: children
    /// that ended and were waited for are in their parent's cutime/cstime, live ones are read directly.
    /// </summary>
    public static double Seconds(int root) => Seconds([root]);

    /// <summary>The same for several process trees (none counted twice).</summary>
    public static double Seconds(IReadOnlyCollection<int> roots)
    {
        if (roots.All(r => r <= 0))
        {
            return 0;
        }

        var stats = new Dictionary<int, (int Parent, long Ticks)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var text = File.ReadAllText(Path.Combine(dir, "stat"));
                // The command name is in parentheses and may contain spaces: parse after the last ')'.
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                long ticks = 0;
                for (var f = 11; f <= 14; f++)
                {
                    ticks += long.Parse(fields[f], CultureInfo.InvariantCulture);
                }

                stats[pid] = (parent, ticks);
            }
            catch (IOException)
            {
                // The process ended while we read /proc.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to read; not part of the server when the bench runs as the server's user or root.
            }
        }

        long total = 0;
        foreach (var (pid, (_, ticks)) in stats)
        {
            var p = pid;
            for (var depth = 0; p > 1 && depth < 64; depth++)
            {
                if (roots.Contains(p))
                {
                    total += ticks;
                    break;
                }

                p = stats.TryGetValue(p, out var s) ? s.Parent : 0;
            }
        }

        return total / TicksPerSecond;
    }
}
