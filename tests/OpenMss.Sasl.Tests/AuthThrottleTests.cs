using Microsoft.Extensions.Time.Testing;
using OpenMss.Sasl.Throttling;

namespace OpenMss.Sasl.Tests;

public sealed class AuthThrottleTests
{
    [Fact]
    public void The_lock_lasts_a_minute_then_grows_and_a_client_address_is_locked_too()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        var throttle = new AuthThrottle(new AuthThrottleOptions { MaxAccountFailures = 2, MaxAddressFailures = 3 }, time);

        throttle.RecordFailure("anne", "192.0.2.1");
        Assert.Null(throttle.RetryAfter("anne", "192.0.2.1"));
        throttle.RecordFailure("ANNE", "192.0.2.2");
        Assert.Equal(TimeSpan.FromMinutes(1), throttle.RetryAfter("anne", "192.0.2.9"));
        time.Advance(TimeSpan.FromSeconds(61));
        Assert.Null(throttle.RetryAfter("anne", "192.0.2.9"));
        throttle.RecordFailure("anne", "192.0.2.3");
        Assert.Equal(TimeSpan.FromMinutes(2), throttle.RetryAfter("anne", "-"));

        throttle.RecordFailure("a", "198.51.100.1");
        throttle.RecordFailure("b", "198.51.100.1");
        throttle.RecordFailure("c", "198.51.100.1");
        Assert.NotNull(throttle.RetryAfter(null, "198.51.100.1"));
        Assert.Null(throttle.RetryAfter("d", "198.51.100.2"));
    }

    [Fact]
    public void A_success_clears_the_account_but_not_the_address_and_old_failures_are_forgotten()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        var throttle = new AuthThrottle(new AuthThrottleOptions { MaxAccountFailures = 2, MaxAddressFailures = 2, Window = TimeSpan.FromMinutes(15) }, time);

        throttle.RecordFailure("anne", "192.0.2.1");
        throttle.RecordSuccess("Anne");
        throttle.RecordFailure("anne", "192.0.2.2");
        Assert.Null(throttle.RetryAfter("anne", "192.0.2.3"));

        throttle.RecordFailure("paul", "192.0.2.1");
        Assert.NotNull(throttle.RetryAfter(null, "192.0.2.1"));
        throttle.RecordSuccess("paul");
        Assert.NotNull(throttle.RetryAfter(null, "192.0.2.1"));

        time.Advance(TimeSpan.FromMinutes(16));
        throttle.RecordFailure("anne", "192.0.2.4");
        Assert.Null(throttle.RetryAfter("anne", "192.0.2.4"));
    }
}
