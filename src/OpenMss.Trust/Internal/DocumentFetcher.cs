using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;

namespace OpenMss.Trust;

/// <summary>
/// Reads a published document (whitelist, CRL) from a file or an http(s) URL. Over HTTPS the server
/// certificate is checked against the trust anchor when one is given (ANS, MSSanté référentiel #2: the whitelist is
/// fetched over HTTPS and checked against the trust space's certificate chain), not the system roots.
/// Remembers the ETag so an unchanged document costs a 304.
/// </summary>
internal sealed class DocumentFetcher : IDisposable
{
    private readonly Uri? _uri;
    private readonly string? _path;
    private readonly HttpClient? _http;
    private readonly long _maxBytes;
    private EntityTagHeaderValue? _etag;

    public DocumentFetcher(string location, X509Certificate2? trustAnchor, long maxBytes, HttpMessageHandler? handler)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        _maxBytes = maxBytes;
        if (Uri.TryCreate(location, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            _uri = uri;
            _http = new HttpClient(handler ?? CreateHandler(trustAnchor, uri), disposeHandler: true)
            {
                Timeout = TimeSpan.FromSeconds(60),
                MaxResponseContentBufferSize = maxBytes,
            };
        }
        else if (Uri.TryCreate(location, UriKind.Absolute, out var fileUri) && fileUri.IsFile)
        {
            _path = fileUri.LocalPath;
        }
        else if (Uri.TryCreate(location, UriKind.Absolute, out var other) && !string.IsNullOrEmpty(other.Scheme) && other.Scheme.Length > 1)
        {
            throw new ArgumentException($"Unsupported location scheme '{other.Scheme}': use a file path or an http(s) URL.", nameof(location));
        }
        else
        {
            _path = Path.GetFullPath(location);
        }

        // Never log credentials or query strings a URL might carry.
        Location = _uri is not null ? _uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : _path!;
    }

    /// <summary>Where the document comes from, fit for logs.</summary>
    public string Location { get; }

    /// <summary>Remembers the validator of the last document actually used (only once it parsed).</summary>
    public void Accept(EntityTagHeaderValue? etag) => _etag = etag;

    /// <summary>
    /// The document bytes (null when the server answered 304 Not Modified) and its ETag. Call
    /// <see cref="Accept"/> with the ETag once the document has been parsed and put to use.
    /// </summary>
    public async Task<(byte[]? Body, EntityTagHeaderValue? ETag)> FetchAsync(CancellationToken cancellationToken)
    {
        if (_path is not null)
        {
            var info = new FileInfo(_path);
            if (info.Exists && info.Length > _maxBytes)
            {
                throw new InvalidDataException($"The document is larger than {_maxBytes} bytes.");
            }

            return (await File.ReadAllBytesAsync(_path, cancellationToken).ConfigureAwait(false), null);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
        if (_etag is not null)
        {
            request.Headers.IfNoneMatch.Add(_etag);
        }

        using var response = await _http!.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            return (null, _etag);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The server answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return (body, response.Headers.ETag);
    }

    public void Dispose() => _http?.Dispose();

    private static SocketsHttpHandler CreateHandler(X509Certificate2? trustAnchor, Uri uri)
    {
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        handler.SslOptions.EnabledSslProtocols = TlsSettings.Protocols;
        if (trustAnchor is not null)
        {
            var validator = new TrustValidator(trustAnchor);
            handler.SslOptions.CertificateRevocationCheckMode = X509RevocationMode.NoCheck;
            handler.SslOptions.RemoteCertificateValidationCallback = TlsSettings.ServerCertificateCallback(validator, uri.IdnHost);
        }

        return handler;
    }
}
