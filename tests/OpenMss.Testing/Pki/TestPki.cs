using System.Security.Cryptography.X509Certificates;
using OpenMss.Trust;

namespace OpenMss.Testing;

/// <summary>A test certificate with its key, also written to PEM files for tests that need paths.</summary>
public sealed class TestCredential
{
    internal TestCredential(string name, IssuedCertificate issued, string directory)
    {
        Name = name;
        Issued = issued;
        var fileName = name.Replace('@', '_');
        CertificatePath = Path.Combine(directory, fileName + ".pem");
        KeyPath = Path.Combine(directory, fileName + ".key");
        issued.Save(CertificatePath, KeyPath);
    }

    /// <summary>The domain (operator certificates) or mailbox address (application certificates).</summary>
    public string Name { get; }

    public IssuedCertificate Issued { get; }

    /// <summary>The certificate with its private key. Shared by every test: do not dispose it.</summary>
    public X509Certificate2 Certificate => Issued.Certificate;

    public string CertificatePath { get; }

    public string KeyPath { get; }

    public static implicit operator X509Certificate2(TestCredential credential) => credential.Certificate;

    public override string ToString() => Name;
}

/// <summary>
/// A process-wide trust space for tests, created lazily (RSA key generation is the slow part, so each
/// certificate is only made when a test first asks for it): the trust space authority with its CRL,
/// operator certificates for <c>pharmacien.mssante.fr</c> and <c>medecin.mssante.fr</c>, an application
/// certificate, and the bad cases (foreign authority, expired, revoked, domain not whitelisted).
/// Everything lives in one temporary folder deleted when the process exits. Never dispose the shared
/// certificates.
/// </summary>
public static class TestPki
{
    public const string PharmacienDomain = "pharmacien.mssante.fr";
    public const string PharmacienOperator = "Pharmaciens";
    public const string MedecinDomain = "medecin.mssante.fr";
    public const string MedecinOperator = "Médecins";
    public const string LaboAddress = "labo@medecin.mssante.fr";

    /// <summary>A domain that has a valid trust space certificate but is on no test whitelist.</summary>
    public const string PirateDomain = "pirate.mssante.fr";

    private static readonly Lazy<string> Root = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), "openmss-testpki-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover temp folder is harmless.
            }
        };
        return path;
    });

    private static readonly Lazy<CertificateAuthority> AuthorityLazy = new(() => CertificateAuthority.Create("OpenMSS Test Trust Space Root CA"));
    private static readonly Lazy<X509Certificate2> AnchorLazy = new(() => Authority.PublicCertificate);
    private static readonly Lazy<CertificateAuthority> ForeignAuthorityLazy = new(() => CertificateAuthority.Create("Foreign Root CA"));

    private static readonly Lazy<TestCredential> PharmacienLazy = new(() =>
        Credential(PharmacienDomain, Authority.IssueOperatorCertificate(PharmacienOperator, [PharmacienDomain])));

    private static readonly Lazy<TestCredential> MedecinLazy = new(() =>
        Credential(MedecinDomain, Authority.IssueOperatorCertificate(MedecinOperator, [MedecinDomain])));

    private static readonly Lazy<TestCredential> LaboLazy = new(() =>
        Credential(LaboAddress, Authority.IssueApplicationCertificate(LaboAddress)));

    private static readonly Lazy<TestCredential> ForeignLazy = new(() =>
        Credential("foreign." + PharmacienDomain, ForeignAuthority.IssueOperatorCertificate("Faux Pharmaciens", [PharmacienDomain])));

    private static readonly Lazy<TestCredential> ExpiredLazy = new(() =>
    {
        var now = DateTimeOffset.UtcNow;
        return Credential("expired." + PharmacienDomain, Authority.IssueOperatorCertificate(
            PharmacienOperator, [PharmacienDomain], now.AddDays(-400), now.AddDays(-1)));
    });

    private static readonly Lazy<TestCredential> PirateLazy = new(() =>
        Credential(PirateDomain, Authority.IssueOperatorCertificate("Pirates", [PirateDomain])));

    // The revoked certificate, the saved authority folder and the CRL come together: the CRL must
    // list the revoked certificate, and the folder's crl.pem is that CRL.
    private static readonly Lazy<(TestCredential Revoked, RevocationList Crl)> RevocationLazy = new(() =>
    {
        var revoked = Credential("revoked." + PharmacienDomain, Authority.IssueOperatorCertificate(PharmacienOperator, [PharmacienDomain]));
        Authority.Revoke(revoked.Certificate);
        Authority.Save(AuthorityDirectory);
        var crl = RevocationList.Parse(File.ReadAllBytes(CrlFile), Authority.Certificate);
        return (revoked, crl);
    });

    /// <summary>The temporary folder holding every test PKI file.</summary>
    public static string Directory => Root.Value;

    /// <summary>The trust space authority (with its key; tests may issue more certificates from it).</summary>
    public static CertificateAuthority Authority => AuthorityLazy.Value;

    /// <summary>The trust anchor without its private key.</summary>
    public static X509Certificate2 Anchor => AnchorLazy.Value;

    /// <summary>Another authority, unknown to the trust space.</summary>
    public static CertificateAuthority ForeignAuthority => ForeignAuthorityLazy.Value;

    /// <summary>The authority folder (<c>ca.pem</c>, <c>ca.key</c>, <c>crl.pem</c>).</summary>
    public static string AuthorityDirectory => Path.Combine(Directory, "ca");

    /// <summary>The trust anchor PEM file.</summary>
    public static string AnchorPemPath
    {
        get
        {
            _ = RevocationLazy.Value;
            return Path.Combine(AuthorityDirectory, CertificateAuthority.CertificateFileName);
        }
    }

    private static string CrlFile => Path.Combine(AuthorityDirectory, CertificateAuthority.CrlFileName);

    /// <summary>The CRL PEM file, listing <see cref="RevokedPharmacien"/> (written on first use).</summary>
    public static string CrlPemPath
    {
        get
        {
            _ = RevocationLazy.Value;
            return CrlFile;
        }
    }

    /// <summary>The CRL listing <see cref="RevokedPharmacien"/>.</summary>
    public static RevocationList Crl => RevocationLazy.Value.Crl;

    /// <summary>Operator certificate for <c>pharmacien.mssante.fr</c> (operator "Pharmaciens").</summary>
    public static TestCredential Pharmacien => PharmacienLazy.Value;

    /// <summary>Operator certificate for <c>medecin.mssante.fr</c> (operator "Médecins").</summary>
    public static TestCredential Medecin => MedecinLazy.Value;

    /// <summary>Application certificate for the <c>APP</c> mailbox <c>labo@medecin.mssante.fr</c>.</summary>
    public static TestCredential LaboApplication => LaboLazy.Value;

    /// <summary>A certificate for <c>pharmacien.mssante.fr</c> issued by <see cref="ForeignAuthority"/>.</summary>
    public static TestCredential ForeignPharmacien => ForeignLazy.Value;

    /// <summary>An operator certificate for <c>pharmacien.mssante.fr</c> that expired yesterday.</summary>
    public static TestCredential ExpiredPharmacien => ExpiredLazy.Value;

    /// <summary>An operator certificate for <c>pharmacien.mssante.fr</c> listed in <see cref="Crl"/>.</summary>
    public static TestCredential RevokedPharmacien => RevocationLazy.Value.Revoked;

    /// <summary>A valid trust space certificate for <c>pirate.mssante.fr</c>, a domain on no test whitelist.</summary>
    public static TestCredential Pirate => PirateLazy.Value;

    /// <summary>The test whitelist: <c>pharmacien.mssante.fr</c> and <c>medecin.mssante.fr</c> (not <see cref="PirateDomain"/>).</summary>
    public static Whitelist DefaultWhitelist { get; } = Whitelist.Create([PharmacienDomain, MedecinDomain]);

    /// <summary>Writes <see cref="DefaultWhitelist"/> (or the given domains) as the official XML document and returns the path.</summary>
    public static string WriteWhitelist(string path, params string[] domains)
    {
        var document = domains.Length == 0 ? DefaultWhitelist : Whitelist.Create(domains);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            System.IO.Directory.CreateDirectory(directory);
        }

        using var stream = File.Create(path);
        document.WriteTo(stream);
        return path;
    }

    /// <summary>A validator trusting <see cref="Authority"/> and using <see cref="Crl"/>.</summary>
    public static TrustValidator CreateValidator(TimeProvider? timeProvider = null) =>
        new(Authority.Certificate, Crl, timeProvider);

    private static TestCredential Credential(string name, IssuedCertificate issued) =>
        new(name, issued, Path.Combine(Directory, "certs"));
}
