using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OpenMss.Trust;

/// <summary>
/// The trust authority's CRL (RFC 5280 §5) read from a file or an http(s) URL and refreshed
/// periodically. Only a CRL signed by the trust anchor is accepted; a CRL older than the one in force
/// (lower CRL number) is ignored so a replayed old list cannot un-revoke a certificate. On failure the
/// last good CRL stays in force and the failure is logged.
/// </summary>
public sealed partial class RevocationListSource : IRevocationSource, IDisposable, IAsyncDisposable
{
    /// <summary>CRLs larger than this are refused.</summary>
    public const long MaxDocumentBytes = 16L * 1024 * 1024;

    private readonly X509Certificate2 _anchor;
    private readonly DocumentFetcher _fetcher;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private PeriodicRefresh? _timer;
    private RevocationList? _current;

    /// <param name="location">A file path (or <c>file://</c> URI) or an http(s) URL of a PEM or DER CRL.</param>
    /// <param name="trustAnchor">The authority that signs the CRL (and, for https, the server certificate).</param>
    /// <param name="refreshInterval">Time between refreshes once started.</param>
    public RevocationListSource(
        string location,
        X509Certificate2 trustAnchor,
        TimeSpan refreshInterval,
        ILogger<RevocationListSource>? logger = null,
        TimeProvider? timeProvider = null,
        HttpMessageHandler? httpHandler = null)
    {
        ArgumentNullException.ThrowIfNull(trustAnchor);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(refreshInterval, TimeSpan.Zero);
        _anchor = X509CertificateLoader.LoadCertificate(trustAnchor.RawData);
        _fetcher = new DocumentFetcher(location, _anchor, MaxDocumentBytes, httpHandler);
        _interval = refreshInterval;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public RevocationList? Current => Volatile.Read(ref _current);

    /// <summary>Loads the CRL once now, then refreshes it every interval in the background.</summary>
    /// <returns>Whether the initial load succeeded (a failure is logged, not thrown).</returns>
    public async Task<bool> StartAsync(CancellationToken cancellationToken = default)
    {
        var loaded = await RefreshAsync(cancellationToken).ConfigureAwait(false);
        _timer ??= new PeriodicRefresh(_interval, _time, ct => RefreshAsync(ct), _logger);
        return loaded;
    }

    /// <summary>Fetches and verifies the CRL now; on failure keeps the previous one. Only cancellation throws.</summary>
    /// <returns>Whether a CRL is now in force from this refresh (or confirmed unchanged by the server).</returns>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (body, etag) = await _fetcher.FetchAsync(cancellationToken).ConfigureAwait(false);
            if (body is not null)
            {
                var list = RevocationList.Parse(body, _anchor);
                var previous = Current;
                if (previous?.CrlNumber is { } before && list.CrlNumber is { } after && after < before)
                {
                    LogOlderCrl(_logger, _fetcher.Location, after.ToString(System.Globalization.CultureInfo.InvariantCulture), before.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    return false;
                }

                Volatile.Write(ref _current, list);
                LogLoaded(_logger, list.Entries.Count, _fetcher.Location, list.NextUpdate);
            }

            _fetcher.Accept(etag);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException or OperationCanceledException or CryptographicException or InvalidDataException)
        {
            LogRefreshFailed(_logger, _fetcher.Location, ex);
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
        _anchor.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        _fetcher.Dispose();
        _anchor.Dispose();
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Certificate revocation list loaded from {Location}: {Count} revoked, next update {NextUpdate}")]
    private static partial void LogLoaded(ILogger logger, int count, string location, DateTimeOffset? nextUpdate);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Certificate revocation list refresh from {Location} failed; keeping the previous list")]
    private static partial void LogRefreshFailed(ILogger logger, string location, Exception exception);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "Ignoring the revocation list from {Location}: its number {Number} is older than the one in force ({Current})")]
    private static partial void LogOlderCrl(ILogger logger, string location, string number, string current);
}
