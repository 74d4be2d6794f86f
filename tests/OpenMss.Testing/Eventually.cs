using System.Diagnostics;

namespace OpenMss.Testing;

/// <summary>
/// The one way the tests wait for something to happen (a delivery, a session to close, another
/// node to see a change): poll a condition until it holds, within a deadline generous enough for a
/// slow, busy machine. A test never waits a fixed time and then looks: that measures the machine,
/// not the code. The deadline only bounds a test that would otherwise hang; reaching it fails the
/// test with what was awaited.
/// </summary>
public static class Eventually
{
    /// <summary>How long a condition may take to hold before the test fails (the machine may be very busy).</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>Waits until <paramref name="condition"/> is true.</summary>
    /// <param name="what">What is awaited, for the failure message.</param>
    /// <exception cref="TimeoutException">The condition did not hold within the deadline.</exception>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what = "the condition", TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = deadline ?? DefaultDeadline;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:F0} s waiting for {what}.");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> is true.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, string what = "the condition", TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return WaitUntilAsync(() => Task.FromResult(condition()), what, deadline);
    }

    /// <summary>Waits until <paramref name="read"/> returns a value that <paramref name="accept"/> accepts, and returns it.</summary>
    public static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> accept, string what = "the value", TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(accept);
        T value = default!;
        await WaitUntilAsync(async () => accept(value = await read()), what, deadline);
        return value;
    }
}
