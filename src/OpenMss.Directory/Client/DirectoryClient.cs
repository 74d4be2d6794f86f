using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using OpenMss.Directory.Api;
using OpenMss.Trust;

namespace OpenMss.Directory.Client;

/// <summary>The directory refused a request; <see cref="Detail"/> is the problem's text (French).</summary>
public sealed class DirectoryRequestException : HttpRequestException
{
    public DirectoryRequestException(HttpStatusCode status, string? detail)
        : base($"The directory answered {(int)status} {status}: {detail}", null, status) => Detail = detail;

    public DirectoryRequestException()
    {
    }

    public DirectoryRequestException(string message)
        : base(message)
    {
    }

    public DirectoryRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The <c>detail</c> of the RFC 9457 problem, when there was one.</summary>
    public string? Detail { get; }
}

/// <summary>Where the directory is and how an operator authenticates to it.</summary>
public sealed class DirectoryClientOptions
{
    /// <summary>The directory's base URL (<see cref="DirectoryServer.BaseUrl"/>).</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>The trust anchor the directory's server certificate must chain to.</summary>
    public required X509Certificate2 TrustAnchor { get; init; }

    /// <summary>The operator's client certificate, with its key (needed to publish; not for routing or whitelist).</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The name the server certificate must carry (SAN dNSName); the URL's host by default.</summary>
    public string? ServerName { get; init; }

    /// <summary>The trust authority's CRL, when the server certificate's revocation is checked.</summary>
    public IRevocationSource? Revocation { get; init; }

    /// <summary>Time limit of one request.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The operators' client of the national directory: publishes and deletes the operator's mailboxes
/// (mutual TLS with the operator certificate) and fetches the routing table and the whitelist. The
/// directory's server certificate is checked against the trust anchor only (never the system roots).
/// Thread-safe; create one per operator and share it.
/// </summary>
public sealed class DirectoryClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient http;

    public DirectoryClient(DirectoryClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validator = new TrustValidator(options.TrustAnchor, options.Revocation);
        var serverName = options.ServerName ?? options.BaseUrl.IdnHost;
        var ssl = new SslClientAuthenticationOptions
        {
            EnabledSslProtocols = TlsSettings.Protocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = TlsSettings.ServerCertificateCallback(validator, serverName),
        };
        if (options.ClientCertificate is { } certificate)
        {
            ssl.ClientCertificates = new X509CertificateCollection { certificate };
            // Always present the operator certificate, whatever CA names the server advertises.
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }

        var handler = new SocketsHttpHandler
        {
            SslOptions = ssl,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
        };
        http = new HttpClient(handler) { BaseAddress = options.BaseUrl, Timeout = options.Timeout };
    }

    /// <summary>Creates or updates one of the operator's mailboxes; returns the entry as the directory stored it.</summary>
    /// <exception cref="DirectoryRequestException">Refused: 400 (invalid data, e.g. a wrong RPPS key), 401 (certificate), 403 (foreign domain).</exception>
    public async Task<MailboxView> PublishMailboxAsync(string address, MailboxPublication publication, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        ArgumentNullException.ThrowIfNull(publication);
        using var response = await http.PutAsJsonAsync(MailboxPath(address), publication, Json, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync<MailboxView>(Json, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Deletes one of the operator's mailboxes; false when the directory did not list it.</summary>
    /// <exception cref="DirectoryRequestException">Refused: 401 (certificate), 403 (foreign domain).</exception>
    public async Task<bool> DeleteMailboxAsync(string address, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        using var response = await http.DeleteAsync(MailboxPath(address), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The operator's own mailboxes as the directory lists them (liste rouge included).</summary>
    public async Task<IReadOnlyList<MailboxView>> ListMailboxesAsync(CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync("api/publication/mailboxes", cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var list = await response.Content.ReadFromJsonAsync<MailboxList>(Json, cancellationToken).ConfigureAwait(false);
        return list?.Items ?? [];
    }

    /// <summary>The routing table: domain → relay <c>host:port</c>, for <see cref="StaticRouteTable"/>.</summary>
    public async Task<IReadOnlyDictionary<string, string>> GetRoutingAsync(CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync("api/routing", cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>(Json, cancellationToken).ConfigureAwait(false))
            ?? new Dictionary<string, string>();
    }

    /// <summary>The whitelist, parsed.</summary>
    public async Task<Whitelist> GetWhitelistAsync(CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync("whitelist.xml", cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return Whitelist.Parse(stream);
        }
    }

    /// <summary>The entry of an address (liste rouge included), or null when the directory does not know it.</summary>
    public async Task<MailboxView?> FindMailboxAsync(string address, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        using var response = await http.GetAsync("api/mailboxes/" + Uri.EscapeDataString(address.Trim()), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<MailboxView>(Json, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => http.Dispose();

    private static string MailboxPath(string address) => "api/publication/mailboxes/" + Uri.EscapeDataString(address.Trim());

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string? detail = null;
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<Problem>(Json, cancellationToken).ConfigureAwait(false);
            detail = problem?.Detail ?? problem?.Title;
        }
        catch (JsonException)
        {
            // Not a problem document: the status says enough.
        }
        catch (NotSupportedException)
        {
            // Not JSON at all.
        }

        throw new DirectoryRequestException(response.StatusCode, detail);
    }

    private sealed record Problem(string? Title, string? Detail);

    private sealed record MailboxList(IReadOnlyList<MailboxView> Items);
}
