using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OpenMss.Trust;

/// <summary>
/// The whitelist as published by the directory (a file, or an http(s) URL checked against the trust
/// anchor), refreshed periodically (issue 2 point 5: a domain removed from the source is refused
/// within one refresh). A failed refresh is logged and the last good whitelist stays in force; until
/// the first good load the whitelist is empty, so everything is refused (fail closed).
/// </summary>
public sealed partial class WhitelistSource : IWhitelist, IDisposable, IAsyncDisposable
{
    /// <summary>Documents larger than this are refused (the real list is a few MiB).</summary>
    public const long MaxDocumentBytes = 64L * 1024 * 1024;

    private readonly DocumentFetcher _fetcher;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private PeriodicRefresh? _timer;
    private Whitelist _current = Whitelist.Empty;
    private DateTimeOffset? _lastRefreshed;

    /// <param name="location">A file path (or <c>file://</c> URI) or an http(s) URL.</param>
    /// <param name="refreshInterval">Time between refreshes once started.</param>
    /// <param name="trustAnchor">For https: the server certificate must chain to it and name the host. Null: the system's roots.</param>
    /// <param name="logger">Logs failed refreshes.</param>
    /// <param name="timeProvider">The clock driving refreshes.</param>
    /// <param name="httpHandler">Replaces the HTTP handler (and its certificate check); for tests.</param>
    public WhitelistSource(
        string location,
        TimeSpan refreshInterval,
        X509Certificate2? trustAnchor = null,
        ILogger<WhitelistSource>? logger = null,
        TimeProvider? timeProvider = null,
        HttpMessageHandler? httpHandler = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(refreshInterval, TimeSpan.Zero);
        _fetcher = new DocumentFetcher(location, trustAnchor, MaxDocumentBytes, httpHandler);
        _interval = refreshInterval;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The whitelist in force (empty until the first successful load).</summary>
    public Whitelist Current => Volatile.Read(ref _current);

    /// <summary>When the whitelist was last loaded or confirmed unchanged; null before the first success.</summary>
    public DateTimeOffset? LastRefreshed => _lastRefreshed;

    public bool Contains(string domain) => Current.Contains(domain);

    /// <summary>Loads the whitelist once now, then refreshes it every interval in the background.</summary>
    /// <returns>Whether the initial load succeeded (a failure is logged, not thrown).</returns>
    public async Task<bool> StartAsync(CancellationToken cancellationToken = default)
    {
        var loaded = await RefreshAsync(cancellationToken).ConfigureAwait(false);
        _timer ??= new PeriodicRefresh(_interval, _time, ct => RefreshAsync(ct), _logger);
        return loaded;
    }

    /// <summary>
    /// Fetches and parses the whitelist now. On failure the previous whitelist stays in force and the
    /// failure is logged; only cancellation throws.
    /// </summary>
    /// <returns>Whether a whitelist was loaded (or confirmed unchanged by the server).</returns>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (body, etag) = await _fetcher.FetchAsync(cancellationToken).ConfigureAwait(false);
            if (body is not null)
            {
                using var stream = new MemoryStream(body, writable: false);
                var whitelist = Whitelist.Parse(stream);
                if (whitelist.InvalidNames.Count > 0)
                {
                    LogInvalidNames(_logger, whitelist.InvalidNames.Count, string.Join(", ", whitelist.InvalidNames.Take(5)));
                }

                var previous = Interlocked.Exchange(ref _current, whitelist);
                LogLoaded(_logger, whitelist.Domains.Count, _fetcher.Location, whitelist.Domains.Count - previous.Domains.Count);
            }

            _fetcher.Accept(etag);
            _lastRefreshed = _time.GetUtcNow();
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException or OperationCanceledException or WhitelistFormatException or InvalidDataException)
        {
            LogRefreshFailed(_logger, _fetcher.Location, Current.Domains.Count, ex);
            return false;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _fetcher.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        _fetcher.Dispose();
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Whitelist loaded: {DomainCount} domains from {Location} ({Change:+#;-#;0} since the previous load)")]
    private static partial void LogLoaded(ILogger logger, int domainCount, string location, int change);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Whitelist refresh from {Location} failed; keeping the previous whitelist ({DomainCount} domains)")]
    private static partial void LogRefreshFailed(ILogger logger, string location, int domainCount, Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Whitelist has {Count} entries that are not domain names, left out (e.g. {Examples})")]
    private static partial void LogInvalidNames(ILogger logger, int count, string examples);
}
