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
public sealed partial class RevocationListSource : RefreshedDocumentSource, IRevocationSource
{
    /// <summary>CRLs larger than this are refused.</summary>
    public const long MaxDocumentBytes = 16L * 1024 * 1024;

    private readonly X509Certificate2 _anchor;
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
        : this(location, X509CertificateLoader.LoadCertificate(NotNull(trustAnchor).RawData), refreshInterval, (ILogger?)logger, timeProvider, httpHandler)
    {
    }

    private RevocationListSource(string location, X509Certificate2 anchor, TimeSpan refreshInterval, ILogger? logger, TimeProvider? timeProvider, HttpMessageHandler? httpHandler)
        : base(location, anchor, MaxDocumentBytes, refreshInterval, logger, timeProvider, httpHandler)
    {
        _anchor = anchor;
    }

    public RevocationList? Current => Volatile.Read(ref _current);

    private protected override bool Install(byte[] document)
    {
        var list = RevocationList.Parse(document, _anchor);
        var previous = Current;
        if (previous?.CrlNumber is { } before && list.CrlNumber is { } after && after < before)
        {
            LogOlderCrl(Logger, Location, after.ToString(System.Globalization.CultureInfo.InvariantCulture), before.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return false;
        }

        Volatile.Write(ref _current, list);
        LogLoaded(Logger, list.Entries.Count, Location, list.NextUpdate);
        return true;
    }

    private protected override bool IsInvalidDocument(Exception exception) => exception is CryptographicException;

    private protected override void OnRefreshFailed(Exception exception) => LogRefreshFailed(Logger, Location, exception);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _anchor.Dispose();
        }
    }

    private static X509Certificate2 NotNull(X509Certificate2 anchor)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        return anchor;
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Certificate revocation list loaded from {Location}: {Count} revoked, next update {NextUpdate}")]
    private static partial void LogLoaded(ILogger logger, int count, string location, DateTimeOffset? nextUpdate);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Certificate revocation list refresh from {Location} failed; keeping the previous list")]
    private static partial void LogRefreshFailed(ILogger logger, string location, Exception exception);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "Ignoring the revocation list from {Location}: its number {Number} is older than the one in force ({Current})")]
    private static partial void LogOlderCrl(ILogger logger, string location, string number, string current);
}
