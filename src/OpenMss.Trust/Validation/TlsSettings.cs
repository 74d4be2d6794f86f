using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace OpenMss.Trust;

/// <summary>
/// TLS settings for the trust space (ANS, MSSanté référentiel #2, operator: TLS 1.2 or 1.3 only; the trust space PKI is the only
/// accepted authority).
/// </summary>
public static class TlsSettings
{
    /// <summary>The only protocol versions the trust space accepts.</summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>
    /// Server-side options. A presented client certificate is accepted at the handshake whatever it is:
    /// the SMTP layer checks it afterwards with <see cref="TrustValidator.ValidateClient"/>, so it can
    /// answer with a proper <c>5.7.x</c> reply instead of a bare handshake failure. Build once and reuse.
    /// </summary>
    /// <param name="serverCertificate">The operator certificate, with its private key.</param>
    /// <param name="askClientCertificate">Whether to request a client certificate (the relay does).</param>
    public static SslServerAuthenticationOptions ServerOptions(X509Certificate2 serverCertificate, bool askClientCertificate)
    {
        ArgumentNullException.ThrowIfNull(serverCertificate);
        if (!serverCertificate.HasPrivateKey)
        {
            throw new ArgumentException("The server certificate has no private key.", nameof(serverCertificate));
        }

        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(serverCertificate, additionalCertificates: null, offline: true),
            EnabledSslProtocols = Protocols,
            ClientCertificateRequired = askClientCertificate,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
        };
    }

    /// <summary>
    /// Client-side options for connecting to a destination operator: TLS 1.2/1.3, our operator
    /// certificate as client certificate (always sent, whatever CA names the server advertises), and
    /// the server certificate checked with <see cref="TrustValidator.ValidateServer"/> against the
    /// destination mail domain.
    /// </summary>
    /// <param name="clientCertificate">Our operator certificate with its key, or null to present none.</param>
    /// <param name="targetDomain">The destination mail domain the server certificate must name.</param>
    /// <param name="validator">The trust space validator.</param>
    /// <param name="onServerChecked">Receives the check result (e.g. to log why a handshake was refused).</param>
    /// <param name="targetHost">SNI host name; the target domain by default.</param>
    public static SslClientAuthenticationOptions ClientOptions(
        X509Certificate2? clientCertificate,
        string targetDomain,
        TrustValidator validator,
        Action<PeerCheck>? onServerChecked = null,
        string? targetHost = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(targetDomain);
        ArgumentNullException.ThrowIfNull(validator);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost ?? targetDomain,
            EnabledSslProtocols = Protocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = ServerCertificateCallback(validator, targetDomain, onServerChecked),
        };
        if (clientCertificate is not null)
        {
            options.ClientCertificates = new X509CertificateCollection { clientCertificate };
            options.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        return options;
    }

    /// <summary>
    /// A certificate validation callback (SslStream, HttpClient, MailKit) that accepts a server only when
    /// <see cref="TrustValidator.ValidateServer"/> trusts it for <paramref name="expectedDomain"/>.
    /// The platform's own verdict (system roots) is ignored on purpose.
    /// </summary>
    public static RemoteCertificateValidationCallback ServerCertificateCallback(TrustValidator validator, string expectedDomain, Action<PeerCheck>? onChecked = null)
    {
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentException.ThrowIfNullOrWhiteSpace(expectedDomain);
        return (_, certificate, _, _) =>
        {
            var check = validator.ValidateServer(AsCertificate2(certificate), expectedDomain);
            onChecked?.Invoke(check);
            return check.IsTrusted;
        };
    }

    /// <summary>Returns the certificate as an <see cref="X509Certificate2"/> (SslStream's RemoteCertificate is typed as the base class).</summary>
    public static X509Certificate2? AsCertificate2(X509Certificate? certificate) => certificate switch
    {
        null => null,
        X509Certificate2 c2 => c2,
        _ => X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()),
    };
}
