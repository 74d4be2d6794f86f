using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpenMss.Trust;

/// <summary>
/// The certificate authority of the trust space (the stand-in for IGC-Santé, the ANS
/// health PKI): a self-signed RSA root that issues operator certificates (TLS server
/// and client, SAN dNSName = the operator's domains), server certificates of web surfaces (TLS
/// server, SAN = host names or IP addresses), application certificates (TLS client, SAN
/// rfc822Name = an <c>APP</c> mailbox) and publishes a CRL (RFC 5280 §5) of what it revoked.
/// </summary>
/// <remarks>
/// On disk the authority is a folder: <c>ca.pem</c> (certificate), <c>ca.key</c> (PKCS#8 private key,
/// mode 0600) and <c>crl.pem</c>. The CRL is the revocation state itself: loading the folder reads
/// back the revoked serial numbers and the CRL number, so a later <see cref="Revoke(X509Certificate2)"/>
/// followed by <see cref="Save"/> publishes a CRL with the next number.
/// </remarks>
public sealed class CertificateAuthority : IDisposable
{
    /// <summary>File name of the authority certificate inside the authority folder.</summary>
    public const string CertificateFileName = "ca.pem";

    /// <summary>File name of the authority private key inside the authority folder.</summary>
    public const string KeyFileName = "ca.key";

    /// <summary>File name of the published CRL inside the authority folder.</summary>
    public const string CrlFileName = "crl.pem";

    /// <summary>Default validity of the root certificate.</summary>
    public static readonly TimeSpan DefaultAuthorityValidity = TimeSpan.FromDays(3652);

    /// <summary>Default validity of operator and application certificates.</summary>
    public static readonly TimeSpan DefaultCertificateValidity = TimeSpan.FromDays(730);

    /// <summary>Default time between a CRL's thisUpdate and nextUpdate.</summary>
    public static readonly TimeSpan DefaultCrlValidity = TimeSpan.FromDays(7);

    // Allows for clocks of peers that lag a little behind ours.
    private static readonly TimeSpan BackdateBy = TimeSpan.FromMinutes(5);

    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private readonly object _gate = new();
    private readonly RSA _key;
    private readonly Dictionary<string, DateTimeOffset> _revoked;
    private BigInteger _crlNumber;

    private CertificateAuthority(X509Certificate2 certificate, RSA key, Dictionary<string, DateTimeOffset> revoked, BigInteger crlNumber, TimeProvider time)
    {
        Time = time;
        Certificate = certificate;
        _key = key;
        _revoked = revoked;
        _crlNumber = crlNumber;
    }

    /// <summary>The clock that dates certificates, revocations and CRLs.</summary>
    public TimeProvider Time { get; }

    /// <summary>The root certificate, with its private key. Hand out <see cref="PublicCertificate"/> instead.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The root certificate without its private key: the trust anchor peers are configured with.</summary>
    public X509Certificate2 PublicCertificate => X509CertificateLoader.LoadCertificate(Certificate.RawData);

    /// <summary>The root certificate in PEM form (the trust anchor file).</summary>
    public string CertificatePem => Certificate.ExportCertificatePem();

    /// <summary>Serial numbers (upper-case hexadecimal, no leading zeros) revoked so far.</summary>
    public IReadOnlyCollection<string> RevokedSerialNumbers
    {
        get
        {
            lock (_gate)
            {
                return _revoked.Keys.ToArray();
            }
        }
    }

    /// <summary>The number of the last CRL built (0 when none has been built yet).</summary>
    public BigInteger CrlNumber
    {
        get
        {
            lock (_gate)
            {
                return _crlNumber;
            }
        }
    }

    /// <summary>Whether <paramref name="directory"/> holds an authority (certificate and key).</summary>
    public static bool Exists(string directory) =>
        File.Exists(Path.Combine(directory, CertificateFileName)) && File.Exists(Path.Combine(directory, KeyFileName));

    /// <summary>
    /// Creates a new root: RSA 3072, self-signed, SHA-256, CA basic constraint (critical, path length 0:
    /// it issues end-entity certificates only), key usage keyCertSign and cRLSign.
    /// </summary>
    /// <param name="commonName">The subject CN, e.g. "OpenMSS Trust Space Root CA".</param>
    /// <param name="validity">How long the root is valid (10 years by default).</param>
    /// <param name="time">The clock (the system's by default).</param>
    public static CertificateAuthority Create(string commonName, TimeSpan? validity = null, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        ArgumentException.ThrowIfNullOrWhiteSpace(commonName);
        var lifetime = validity ?? DefaultAuthorityValidity;
        if (lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(validity), "The validity must be positive.");
        }

        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(commonName);
        var key = RSA.Create(3072);
        try
        {
            var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(
                X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
            var ski = new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false);
            request.CertificateExtensions.Add(ski);
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));

            var now = time.GetUtcNow();
            var certificate = request.Create(
                request.SubjectName,
                X509SignatureGenerator.CreateForRSA(key, RSASignaturePadding.Pkcs1),
                now - BackdateBy,
                now + lifetime,
                NewSerialNumber());
            return new CertificateAuthority(certificate.CopyWithPrivateKey(key), key, new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal), BigInteger.Zero, time);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Loads an authority saved by <see cref="Save"/>.</summary>
    /// <exception cref="FileNotFoundException">The folder has no <c>ca.pem</c> or <c>ca.key</c>.</exception>
    /// <exception cref="CryptographicException">The files are not a matching certificate and key, or the CRL does not verify.</exception>
    public static CertificateAuthority Load(string directory, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var certificatePem = File.ReadAllText(Path.Combine(directory, CertificateFileName));
        var keyPem = File.ReadAllText(Path.Combine(directory, KeyFileName));
        var key = RSA.Create();
        try
        {
            key.ImportFromPem(keyPem);
            using var publicOnly = X509Certificate2.CreateFromPem(certificatePem);
            var certificate = publicOnly.CopyWithPrivateKey(key);

            var revoked = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            var crlNumber = BigInteger.Zero;
            var crlPath = Path.Combine(directory, CrlFileName);
            if (File.Exists(crlPath))
            {
                var crl = RevocationList.Parse(File.ReadAllBytes(crlPath), certificate);
                foreach (var entry in crl.Entries)
                {
                    revoked[entry.SerialNumber] = entry.RevokedAt;
                }

                crlNumber = crl.CrlNumber ?? BigInteger.Zero;
            }

            return new CertificateAuthority(certificate, key, revoked, crlNumber, time ?? TimeProvider.System);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <c>ca.pem</c>, <c>ca.key</c> (mode 0600) and a freshly built <c>crl.pem</c> (next CRL
    /// number) into <paramref name="directory"/>, creating it if needed.
    /// </summary>
    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        SecureFile.WritePrivate(Path.Combine(directory, KeyFileName), _key.ExportPkcs8PrivateKeyPem());
        SecureFile.WritePublic(Path.Combine(directory, CertificateFileName), CertificatePem);
        SecureFile.WritePublic(Path.Combine(directory, CrlFileName), BuildCrlPem());
    }

    /// <summary>
    /// Issues an operator certificate: RSA 2048, EKU serverAuth and clientAuth, key usage
    /// digitalSignature and keyEncipherment, SAN dNSName for each domain (IDN as A-labels),
    /// subject CN = first domain and O = operator name, random positive 128-bit serial.
    /// </summary>
    /// <param name="operatorName">The operator's name (subject O).</param>
    /// <param name="domains">The operator's <c>.mssante.fr</c> domains, at least one.</param>
    /// <param name="validity">2 years by default, never beyond the authority's own expiry.</param>
    public IssuedCertificate IssueOperatorCertificate(string operatorName, IReadOnlyList<string> domains, TimeSpan? validity = null)
    {
        var (notBefore, notAfter) = Window(validity);
        return IssueOperatorCertificate(operatorName, domains, notBefore, notAfter);
    }

    /// <summary>
    /// Issues an operator certificate with an explicit validity window, e.g. an already expired one
    /// for tests. The window is not clamped to the authority's.
    /// </summary>
    public IssuedCertificate IssueOperatorCertificate(string operatorName, IReadOnlyList<string> domains, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(operatorName);
        ArgumentNullException.ThrowIfNull(domains);
        if (domains.Count == 0)
        {
            throw new ArgumentException("An operator certificate needs at least one domain.", nameof(domains));
        }

        var asciiDomains = domains.Select(DomainNames.ToAscii).Distinct(StringComparer.Ordinal).ToArray();
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(asciiDomains[0]);
        subject.AddOrganizationName(operatorName);

        var san = new SubjectAlternativeNameBuilder();
        foreach (var domain in asciiDomains)
        {
            san.AddDnsName(domain);
        }

        return Issue(subject.Build(), san.Build(), [ServerAuthOid, ClientAuthOid], notBefore, notAfter);
    }

    /// <summary>
    /// Issues a server certificate for a web surface (the directory, the identity provider, an
    /// operator's HTTPS endpoint): RSA 2048, EKU serverAuth only, SAN dNSName for each host name
    /// (IDN as A-labels) and iPAddress for each IP literal (RFC 5280 §4.2.1.6), subject CN = the
    /// first name and O = <paramref name="name"/>. Unlike an operator certificate it names hosts,
    /// not mail domains, so it may name <c>localhost</c> or <c>127.0.0.1</c>; without clientAuth it
    /// can never authenticate an operator to a relay.
    /// </summary>
    /// <param name="name">Who runs the surface (subject O), e.g. <c>Annuaire national MSSanté</c>.</param>
    /// <param name="hostNames">DNS names or IP addresses the clients reach the surface by, at least one.</param>
    /// <param name="validity">2 years by default, never beyond the authority's own expiry.</param>
    public IssuedCertificate IssueServerCertificate(string name, IReadOnlyList<string> hostNames, TimeSpan? validity = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(hostNames);
        if (hostNames.Count == 0)
        {
            throw new ArgumentException("A server certificate needs at least one host name.", nameof(hostNames));
        }

        var san = new SubjectAlternativeNameBuilder();
        var names = new List<string>();
        foreach (var host in hostNames)
        {
            var trimmed = host.Trim().Trim('[', ']');
            if (Uri.CheckHostName(trimmed) is UriHostNameType.IPv4 or UriHostNameType.IPv6 && System.Net.IPAddress.TryParse(trimmed, out var address))
            {
                san.AddIpAddress(address);
                names.Add(address.ToString());
            }
            else if (DomainNames.TryToAscii(trimmed, out var ascii) && Uri.CheckHostName(ascii) == UriHostNameType.Dns)
            {
                san.AddDnsName(ascii);
                names.Add(ascii);
            }
            else
            {
                throw new ArgumentException($"'{host}' is not a host name or an IP address.", nameof(hostNames));
            }
        }

        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(names[0]);
        subject.AddOrganizationName(name);
        var (notBefore, notAfter) = Window(validity);
        return Issue(subject.Build(), san.Build(), [ServerAuthOid], notBefore, notAfter);
    }

    /// <summary>
    /// Issues an application certificate for an <c>APP</c> mailbox: RSA 2048, EKU clientAuth,
    /// SAN rfc822Name = the mailbox address, subject CN = the address.
    /// </summary>
    public IssuedCertificate IssueApplicationCertificate(string mailboxAddress, TimeSpan? validity = null)
    {
        var (notBefore, notAfter) = Window(validity);
        return IssueApplicationCertificate(mailboxAddress, notBefore, notAfter);
    }

    /// <summary>Issues an application certificate with an explicit validity window.</summary>
    public IssuedCertificate IssueApplicationCertificate(string mailboxAddress, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(mailboxAddress);
        var at = mailboxAddress.LastIndexOf('@');
        if (at <= 0 || at == mailboxAddress.Length - 1)
        {
            throw new ArgumentException($"'{mailboxAddress}' is not a mailbox address.", nameof(mailboxAddress));
        }

        var localPart = mailboxAddress[..at];
        if (localPart.Any(c => c > 0x7E || c < 0x21))
        {
            // rfc822Name is an IA5String (RFC 5280 §4.2.1.6); MSSanté local parts are ASCII.
            throw new ArgumentException($"'{mailboxAddress}' has a local part that cannot go in a certificate.", nameof(mailboxAddress));
        }

        var address = localPart + "@" + DomainNames.ToAscii(mailboxAddress[(at + 1)..]);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(address);
        var san = new SubjectAlternativeNameBuilder();
        san.AddEmailAddress(address);
        return Issue(subject.Build(), san.Build(), [ClientAuthOid], notBefore, notAfter);
    }

    /// <summary>Adds a certificate to the revocation list (effective in the next CRL built).</summary>
    public void Revoke(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.IssuerName.RawData.AsSpan().SequenceEqual(Certificate.SubjectName.RawData))
        {
            throw new ArgumentException("The certificate was not issued by this authority.", nameof(certificate));
        }

        Revoke(certificate.SerialNumber);
    }

    /// <summary>Adds a serial number (hexadecimal, as shown by tools) to the revocation list.</summary>
    public void Revoke(string serialNumber)
    {
        var serial = SerialNumbers.Normalize(serialNumber);
        lock (_gate)
        {
            _revoked.TryAdd(serial, Time.GetUtcNow());
        }
    }

    /// <summary>
    /// Builds a new DER CRL signed by the authority, listing every revoked serial number, with the next
    /// CRL number (RFC 5280 §5.2.3: each CRL issued gets a larger number).
    /// </summary>
    /// <param name="nextUpdateIn">Time until nextUpdate (7 days by default).</param>
    public byte[] BuildCrl(TimeSpan? nextUpdateIn = null)
    {
        var builder = new CertificateRevocationListBuilder();
        BigInteger number;
        lock (_gate)
        {
            foreach (var (serial, revokedAt) in _revoked)
            {
                builder.AddEntry(Convert.FromHexString(serial), revokedAt);
            }

            _crlNumber += 1;
            number = _crlNumber;
        }

        var now = Time.GetUtcNow();
        return builder.Build(
            Certificate,
            number,
            now + (nextUpdateIn ?? DefaultCrlValidity),
            HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1,
            thisUpdate: now);
    }

    /// <summary>Like <see cref="BuildCrl"/>, PEM-encoded (<c>-----BEGIN X509 CRL-----</c>).</summary>
    public string BuildCrlPem(TimeSpan? nextUpdateIn = null) => PemEncoding.WriteString("X509 CRL", BuildCrl(nextUpdateIn));

    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }

    private (DateTimeOffset NotBefore, DateTimeOffset NotAfter) Window(TimeSpan? validity)
    {
        var lifetime = validity ?? DefaultCertificateValidity;
        if (lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(validity), "The validity must be positive.");
        }

        var now = Time.GetUtcNow();
        var notAfter = now + lifetime;
        var authorityEnd = new DateTimeOffset(Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        if (notAfter > authorityEnd)
        {
            notAfter = authorityEnd;
        }

        return (now - BackdateBy, notAfter);
    }

    private IssuedCertificate Issue(
        X500DistinguishedName subject,
        X509Extension subjectAlternativeName,
        string[] extendedUsages,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter)
    {
        if (notAfter <= notBefore)
        {
            throw new ArgumentException("notAfter must be later than notBefore.", nameof(notAfter));
        }

        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        var usages = new OidCollection();
        foreach (var oid in extendedUsages)
        {
            usages.Add(new Oid(oid));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, critical: false));
        request.CertificateExtensions.Add(subjectAlternativeName);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(
            Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        // Signing through a generator rather than the issuer certificate lets tests issue
        // certificates whose window lies outside the authority's (expired ones).
        using var issued = request.Create(
            Certificate.SubjectName,
            X509SignatureGenerator.CreateForRSA(_key, RSASignaturePadding.Pkcs1),
            notBefore,
            notAfter,
            NewSerialNumber());
        return IssuedCertificate.FromParts(issued, key);
    }

    private static byte[] NewSerialNumber()
    {
        // 16 random bytes, first byte in 0x40..0x7F: positive (RFC 5280 §4.1.2.2) and always 16 bytes long.
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x3F) | 0x40);
        return serial;
    }
}
