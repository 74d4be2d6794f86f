namespace OpenMss.Queue.Delivery;

/// <summary>
/// The retry schedule of the delivery queue: exponential backoff with jitter, capped
/// (RFC 5321 §4.5.4.1 asks for retries spread over days, not a hot loop).
/// </summary>
public static class RetryPolicy
{
    /// <summary>
    /// Delay before the next attempt once <paramref name="attempts"/> attempts have failed:
    /// <c>RetryInitialDelay × factor^(attempts−1)</c>, capped at <c>RetryMaxDelay</c>, then spread
    /// by ±<c>RetryJitter</c>.
    /// </summary>
    public static TimeSpan NextDelay(int attempts, DeliveryQueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var exponent = Math.Max(0, attempts - 1);
        var initial = options.RetryInitialDelay.TotalSeconds;
        var max = options.RetryMaxDelay.TotalSeconds;

        // Math.Pow overflows to infinity for large exponents, which Math.Min then caps.
        var seconds = Math.Min(initial * Math.Pow(options.RetryBackoffFactor, exponent), max);
        var random = options.JitterSource?.Invoke() ?? Random.Shared.NextDouble();
        seconds *= 1 + (options.RetryJitter * ((2 * random) - 1));
        return TimeSpan.FromSeconds(seconds);
    }
}
