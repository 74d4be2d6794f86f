using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpenMss.Trust;

/// <summary>
/// A certificate issued by the <see cref="CertificateAuthority"/> together with its private key, in a
/// form SslStream can use as a TLS server or client certificate, and in PEM form for files.
/// </summary>
public sealed class IssuedCertificate
{
    private IssuedCertificate(X509Certificate2 certificate, string certificatePem, string privateKeyPem)
    {
        Certificate = certificate;
        CertificatePem = certificatePem;
        PrivateKeyPem = privateKeyPem;
    }

    /// <summary>The certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The certificate, PEM-encoded.</summary>
    public string CertificatePem { get; }

    /// <summary>The private key, PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>). Never log it.</summary>
    public string PrivateKeyPem { get; }

    /// <summary>
    /// Writes the certificate and the key to PEM files (the key with mode 0600), creating the parent
    /// folders.
    /// </summary>
    public void Save(string certificatePath, string keyPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(certificatePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPath);
        SecureFile.WritePrivate(keyPath, PrivateKeyPem);
        SecureFile.WritePublic(certificatePath, CertificatePem);
    }

    /// <summary>Loads a certificate and its private key from PEM files, ready for SslStream.</summary>
    public static X509Certificate2 LoadWithKey(string certificatePath, string keyPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(certificatePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPath);
        return ForTls(X509Certificate2.CreateFromPemFile(certificatePath, keyPath));
    }

    /// <summary>Loads an issued certificate (certificate and key) from PEM text.</summary>
    public static IssuedCertificate FromPem(string certificatePem, string privateKeyPem)
    {
        var certificate = ForTls(X509Certificate2.CreateFromPem(certificatePem, privateKeyPem));
        return new IssuedCertificate(certificate, certificate.ExportCertificatePem(), privateKeyPem);
    }

    internal static IssuedCertificate FromParts(X509Certificate2 certificate, RSA key) =>
        new(ForTls(certificate.CopyWithPrivateKey(key)), certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());

    // Takes ownership of withKey.
    private static X509Certificate2 ForTls(X509Certificate2 withKey)
    {
        // SChannel (Windows) cannot use an ephemeral key for TLS; a PKCS#12 round trip gives it a
        // usable one. OpenSSL (Linux) and macOS use the key as it is.
        if (!OperatingSystem.IsWindows())
        {
            return withKey;
        }

        using (withKey)
        {
            var pfx = withKey.Export(X509ContentType.Pkcs12);
            return X509CertificateLoader.LoadPkcs12(pfx, null, X509KeyStorageFlags.Exportable);
        }
    }
}
