using OpenMss.Queue.Delivery;

namespace OpenMss.Queue.Tests;

public sealed class RetryPolicyTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(6, 32)]
    [InlineData(7, 60)]
    [InlineData(40, 60)]
    [InlineData(int.MaxValue, 60)]
    public void The_delay_doubles_from_one_minute_up_to_one_hour(int attempts, int minutes)
    {
        var options = new DeliveryQueueOptions { JitterSource = () => 0.5 };

        Assert.Equal(TimeSpan.FromMinutes(minutes), RetryPolicy.NextDelay(attempts, options));
    }

    [Theory]
    [InlineData(0.0, 54)]
    [InlineData(0.999999, 66)]
    public void Jitter_spreads_the_delay_by_ten_percent_either_way(double random, int seconds)
    {
        var options = new DeliveryQueueOptions { JitterSource = () => random };

        Assert.Equal(seconds, RetryPolicy.NextDelay(1, options).TotalSeconds, 0.01);
    }

    [Fact]
    public void Without_a_pinned_source_delays_stay_within_the_jitter_band()
    {
        var options = new DeliveryQueueOptions();
        var delays = Enumerable.Range(0, 200).Select(_ => RetryPolicy.NextDelay(3, options).TotalSeconds).ToList();

        Assert.All(delays, d => Assert.InRange(d, 216, 264));
        Assert.True(delays.Distinct().Count() > 1, "jitter varies");
    }
}
