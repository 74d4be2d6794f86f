using System.Net;
using System.Security.Cryptography.X509Certificates;
using OpenMss.Trust;

namespace OpenMss.Directory.Api;

/// <summary>How a <see cref="DirectoryServer"/> listens and where its data and trust come from.</summary>
public sealed class DirectoryServerOptions
{
    /// <summary>The HTTPS endpoint; port 0 picks a free port (see <see cref="DirectoryServer.BaseUrl"/>). Loopback by default.</summary>
    public IPEndPoint Listen { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>The store to open. Ignored when <see cref="Store"/> is given.</summary>
    public DirectoryStoreOptions? StoreOptions { get; set; }

    /// <summary>An already open store to serve (the caller keeps ownership and disposes it).</summary>
    public IDirectoryStore? Store { get; set; }

    /// <summary>
    /// The server certificate with its private key, issued by the trust authority for the directory's host
    /// name (e.g. <c>annuaire.mssante.fr</c>; <see cref="CertificateAuthority.IssueOperatorCertificate(string, IReadOnlyList{string}, TimeSpan?)"/> serves).
    /// </summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>The trust anchor that operators' client certificates must chain to (publication API).</summary>
    public X509Certificate2? TrustAnchor { get; set; }

    /// <summary>The clock of the service (audit times, document dates); the system's by default.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The trust authority's CRL, when revocation is checked.</summary>
    public IRevocationSource? Revocation { get; set; }

    /// <summary>
    /// The host name put in <see cref="DirectoryServer.BaseUrl"/>; by default the listen address
    /// (<c>localhost</c> for a wildcard address). Clients check the server certificate against the name
    /// they were configured with, not against this one.
    /// </summary>
    public string? PublicHost { get; set; }

    /// <summary>
    /// Production (the default): answers carry HSTS (RFC 6797). The demo on loopback turns it off,
    /// since a browser would then pin HTTPS for <c>localhost</c> and every local service on it.
    /// </summary>
    public bool Production { get; set; } = true;
}
