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
public sealed partial class WhitelistSource : RefreshedDocumentSource, IWhitelist
{
    /// <summary>Documents larger than this are refused (the real list is a few MiB).</summary>
    public const long MaxDocumentBytes = 64L * 1024 * 1024;

    private Whitelist _current = Whitelist.Empty;

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
        : base(RequireIntegrity(location), trustAnchor, MaxDocumentBytes, refreshInterval, logger, timeProvider, httpHandler)
    {
    }

    // Unlike the CRL (signed by the authority), the whitelist document carries no signature: over
    // plain http anyone on the path could add or remove operators. http stays usable on loopback.
    private static string RequireIntegrity(string location)
    {
        if (Uri.TryCreate(location, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            throw new ArgumentException("The whitelist decides which operators may connect: fetch it over https (plain http only from a loopback address).", nameof(location));
        }

        return location;
    }

    /// <summary>The whitelist in force (empty until the first successful load).</summary>
    public Whitelist Current => Volatile.Read(ref _current);

    public bool Contains(string domain) => Current.Contains(domain);

    private protected override bool Install(byte[] document)
    {
        using var stream = new MemoryStream(document, writable: false);
        var whitelist = Whitelist.Parse(stream);
        if (whitelist.InvalidNames.Count > 0)
        {
            LogInvalidNames(Logger, whitelist.InvalidNames.Count, string.Join(", ", whitelist.InvalidNames.Take(5)));
        }

        var previous = Interlocked.Exchange(ref _current, whitelist);
        LogLoaded(Logger, whitelist.Domains.Count, Location, whitelist.Domains.Count - previous.Domains.Count);
        return true;
    }

    private protected override bool IsInvalidDocument(Exception exception) => exception is WhitelistFormatException;

    private protected override void OnRefreshFailed(Exception exception) => LogRefreshFailed(Logger, Location, Current.Domains.Count, exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Whitelist loaded: {DomainCount} domains from {Location} ({Change:+#;-#;0} since the previous load)")]
    private static partial void LogLoaded(ILogger logger, int domainCount, string location, int change);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Whitelist refresh from {Location} failed; keeping the previous whitelist ({DomainCount} domains)")]
    private static partial void LogRefreshFailed(ILogger logger, string location, int domainCount, Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Whitelist has {Count} entries that are not domain names, left out (e.g. {Examples})")]
    private static partial void LogInvalidNames(ILogger logger, int count, string examples);
}
