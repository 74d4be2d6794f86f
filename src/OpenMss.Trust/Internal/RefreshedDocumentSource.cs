using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OpenMss.Trust;

/// <summary>
/// A trust document (the whitelist, the CRL) read from a file or an http(s) URL and refreshed
/// periodically. One refresh runs at a time; a refresh that fails keeps the document in force and is
/// reported to <see cref="OnRefreshFailed"/>; only cancellation throws. Subclasses parse and install
/// the fetched bytes.
/// </summary>
public abstract class RefreshedDocumentSource : IDisposable, IAsyncDisposable
{
    private readonly DocumentFetcher _fetcher;
    private readonly TimeSpan _interval;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private PeriodicRefresh? _timer;
    private long _lastRefreshedTicks = -1;

    private protected RefreshedDocumentSource(
        string location,
        X509Certificate2? trustAnchor,
        long maxDocumentBytes,
        TimeSpan refreshInterval,
        ILogger? logger,
        TimeProvider? timeProvider,
        HttpMessageHandler? httpHandler)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(refreshInterval, TimeSpan.Zero);
        _fetcher = new DocumentFetcher(location, trustAnchor, maxDocumentBytes, httpHandler);
        _interval = refreshInterval;
        Time = timeProvider ?? TimeProvider.System;
        Logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Where the document comes from, as configured (for logs).</summary>
    public string Location => _fetcher.Location;

    /// <summary>When the document was last loaded or confirmed unchanged; null before the first success.</summary>
    public DateTimeOffset? LastRefreshed
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastRefreshedTicks);
            return ticks < 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    private protected ILogger Logger { get; }

    private protected TimeProvider Time { get; }

    /// <summary>Loads the document once now, then refreshes it every interval in the background.</summary>
    /// <returns>Whether the initial load succeeded (a failure is logged, not thrown).</returns>
    public async Task<bool> StartAsync(CancellationToken cancellationToken = default)
    {
        var loaded = await RefreshAsync(cancellationToken).ConfigureAwait(false);
        _timer ??= new PeriodicRefresh(_interval, Time, ct => RefreshAsync(ct), Logger);
        return loaded;
    }

    /// <summary>
    /// Fetches and installs the document now. On failure the previous document stays in force and the
    /// failure is logged; only cancellation throws.
    /// </summary>
    /// <returns>Whether a document is now in force from this refresh (or confirmed unchanged by the server).</returns>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (body, etag) = await _fetcher.FetchAsync(cancellationToken).ConfigureAwait(false);
            if (body is not null && !Install(body))
            {
                return false;
            }

            _fetcher.Accept(etag);
            Interlocked.Exchange(ref _lastRefreshedTicks, Time.GetUtcNow().UtcTicks);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException or OperationCanceledException or InvalidDataException || IsInvalidDocument(ex))
        {
            OnRefreshFailed(ex);
            return false;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Parses and installs a fetched document; false when it is refused (and logged) without being an error.</summary>
    /// <exception cref="InvalidDataException">Or an exception accepted by <see cref="IsInvalidDocument"/>: the document is unusable.</exception>
    private protected abstract bool Install(byte[] document);

    /// <summary>Whether an exception thrown by <see cref="Install"/> means "bad document" (kept as a failed refresh).</summary>
    private protected abstract bool IsInvalidDocument(Exception exception);

    /// <summary>Logs a failed refresh.</summary>
    private protected abstract void OnRefreshFailed(Exception exception);

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
            _timer = null;
        }

        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _timer?.Dispose();
            _timer = null;
            _fetcher.Dispose();
        }
    }
}
