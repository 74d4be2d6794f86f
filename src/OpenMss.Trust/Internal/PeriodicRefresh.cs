using Microsoft.Extensions.Logging;

namespace OpenMss.Trust;

/// <summary>
/// Runs a refresh callback every interval on a background task until disposed. The callback is
/// expected to log and swallow its own failures (keep the last good document); anything escaping it
/// is logged here so the loop keeps running.
/// </summary>
internal sealed partial class PeriodicRefresh : IAsyncDisposable, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public PeriodicRefresh(TimeSpan interval, TimeProvider timeProvider, Func<CancellationToken, Task> refresh, ILogger logger)
    {
        _loop = RunAsync(interval, timeProvider, refresh, logger, _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected on shutdown.
        }

        _stop.Dispose();
    }

    public void Dispose()
    {
        // The loop only awaits the timer and the refresh, both of which observe the token: it ends on its own.
        _stop.Cancel();
        _stop.Dispose();
    }

    private static async Task RunAsync(TimeSpan interval, TimeProvider timeProvider, Func<CancellationToken, Task> refresh, ILogger logger, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, timeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await refresh(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogLoopFailure(logger, ex);
            }
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "Periodic refresh failed unexpectedly")]
    private static partial void LogLoopFailure(ILogger logger, Exception exception);
}
