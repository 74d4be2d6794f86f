using System.Globalization;
using OpenMss.Bench.Messages;

/// <summary>
/// The messages of a relay run, from the command line: <c>--kind</c> (text, attachment, pharmacy),
/// <c>--size</c>, <c>--seed</c> and <c>--variants</c> (distinct messages sent in turn, so that no
/// cache holds "the" message), made by <see cref="RealisticMessages"/>.
/// </summary>
internal static class BenchMessages
{
    public static IReadOnlyList<ReadOnlyMemory<byte>> Create(Args arguments)
    {
        var kind = RealisticMessages.ParseKind(arguments.Get("kind", "text"));
        var size = int.Parse(arguments.Get("size", "8192"), CultureInfo.InvariantCulture);
        var seed = int.Parse(arguments.Get("seed", "1"), CultureInfo.InvariantCulture);
        var variants = int.Parse(arguments.Get("variants", "8"), CultureInfo.InvariantCulture);
        return Enumerable.Range(0, Math.Max(1, variants))
            .Select(i => (ReadOnlyMemory<byte>)RealisticMessages.Create(kind, size, seed, i))
            .ToArray();
    }

    /// <summary>Writes the messages as <c>0.eml</c>, <c>1.eml</c>, ... in <c>--out</c>: the same bytes for another client.</summary>
    public static int Write(Args arguments)
    {
        var dir = arguments.Get("out", "");
        if (dir.Length == 0)
        {
            Console.Error.WriteLine("messages: --out DIR is required");
            return 2;
        }

        Directory.CreateDirectory(dir);
        var messages = Create(arguments);
        for (var i = 0; i < messages.Count; i++)
        {
            File.WriteAllBytes(Path.Combine(dir, i.ToString(CultureInfo.InvariantCulture) + ".eml"), messages[i].ToArray());
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"messages dir={dir} count={messages.Count} mean_size={messages.Average(m => m.Length):F0}"));
        return 0;
    }
}
