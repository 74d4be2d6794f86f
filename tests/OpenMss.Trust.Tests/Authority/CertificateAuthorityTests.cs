using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OpenMss.Testing;
using OpenMss.Trust;

namespace OpenMss.Trust.Tests.Authority;

public sealed class CertificateAuthorityTests : IDisposable
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "openmss-ca-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Root_is_a_self_signed_rsa3072_authority_valid_ten_years()
    {
        var root = TestPki.Authority.Certificate;

        Assert.Equal(root.SubjectName.RawData, root.IssuerName.RawData);
        Assert.Equal(3072, root.GetRSAPublicKey()!.KeySize);
        var constraints = root.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(constraints.CertificateAuthority);
        Assert.True(constraints.Critical);
        var usage = root.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage.KeyUsages);
        Assert.InRange((root.NotAfter - root.NotBefore).TotalDays, 3650, 3654);
    }

    [Fact]
    public void Operator_certificate_names_its_domains_and_serves_both_tls_roles()
    {
        var certificate = TestPki.Pharmacien.Certificate;

        Assert.True(certificate.HasPrivateKey);
        Assert.Equal(2048, certificate.GetRSAPublicKey()!.KeySize);
        Assert.Equal("pharmacien.mssante.fr", certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
        Assert.Contains("O=Pharmaciens", certificate.Subject, StringComparison.Ordinal);
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["pharmacien.mssante.fr"], san.EnumerateDnsNames());
        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value);
        Assert.Equal([ServerAuth, ClientAuth], eku);
        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.Equal(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, usage.KeyUsages);
        Assert.False(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        var aki = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().Single();
        var caSki = TestPki.Authority.Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single();
        Assert.Equal(caSki.SubjectKeyIdentifierBytes.ToArray(), aki.KeyIdentifier!.Value.ToArray());
        Assert.NotNull(certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().SingleOrDefault());
        Assert.InRange((certificate.NotAfter - certificate.NotBefore).TotalDays, 729, 731);
        Assert.InRange(certificate.SerialNumberBytes.Length, 16, 16);
        Assert.True((certificate.SerialNumberBytes.Span[0] & 0x80) == 0, "serial must be positive (big-endian first byte)");
        Assert.Equal(Convert.ToHexString(certificate.SerialNumberBytes.Span), certificate.SerialNumber);
    }

    [Fact]
    public void Operator_certificate_with_several_domains_uses_a_labels_and_the_first_as_cn()
    {
        using var issued = TestPki.Authority.IssueOperatorCertificate("Hôpital", ["Pédiatre.mssante.fr", "chu.mssante.fr"]).Certificate;

        var san = issued.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["xn--pdiatre-bya.mssante.fr", "chu.mssante.fr"], san.EnumerateDnsNames());
        Assert.Equal("xn--pdiatre-bya.mssante.fr", issued.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
        Assert.Contains("O=Hôpital", issued.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public void Server_certificate_names_its_hosts_and_addresses_and_serves_the_server_role_only()
    {
        using var issued = TestPki.Authority.IssueServerCertificate("Annuaire", ["localhost", "127.0.0.1", "::1"]).Certificate;
        var validator = TestPki.CreateValidator();

        var san = issued.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["localhost"], san.EnumerateDnsNames());
        Assert.Equal([System.Net.IPAddress.Loopback, System.Net.IPAddress.IPv6Loopback], san.EnumerateIPAddresses());
        var eku = issued.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value);
        Assert.Equal([ServerAuth], eku);

        // A client reaching https://localhost/, https://127.0.0.1/ or https://[::1]/ trusts it; no other host does.
        Assert.True(validator.ValidateServer(issued, "localhost").IsTrusted);
        Assert.True(validator.ValidateServer(issued, "127.0.0.1").IsTrusted);
        Assert.True(validator.ValidateServer(issued, "[::1]").IsTrusted);
        Assert.Equal(PeerFailure.NameMismatch, validator.ValidateServer(issued, "127.0.0.2").Code);
        Assert.Equal(PeerFailure.NameMismatch, validator.ValidateServer(issued, "annuaire.mssante.fr").Code);

        // Without clientAuth it can never stand for an operator at a relay.
        Assert.Equal(PeerFailure.WrongUsage, validator.ValidateClient(issued).Code);

        Assert.Throws<ArgumentException>(() => TestPki.Authority.IssueServerCertificate("X", ["not a host!"]));
        Assert.Throws<ArgumentException>(() => TestPki.Authority.IssueServerCertificate("X", []));
    }

    [Fact]
    public void Application_certificate_carries_the_mailbox_address_and_client_use_only()
    {
        var certificate = TestPki.LaboApplication.Certificate;

        Assert.Equal("labo@medecin.mssante.fr", certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
        Assert.Equal("labo@medecin.mssante.fr", certificate.GetNameInfo(X509NameType.EmailName, forIssuer: false));
        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value);
        Assert.Equal([ClientAuth], eku);
        var check = TestPki.CreateValidator().ValidateClient(certificate);
        Assert.True(check.IsTrusted, check.Failure);
        Assert.Equal("labo@medecin.mssante.fr", check.Email);
        Assert.Empty(check.DnsNames);
    }

    [Fact]
    public void Issued_certificates_chain_to_their_authority_only()
    {
        Assert.True(ChainsTo(TestPki.Pharmacien.Certificate, TestPki.Authority.Certificate));
        Assert.False(ChainsTo(TestPki.Pharmacien.Certificate, TestPki.ForeignAuthority.Certificate));
        Assert.False(ChainsTo(TestPki.ForeignPharmacien.Certificate, TestPki.Authority.Certificate));
    }

    [Fact]
    public void Authority_round_trips_through_its_folder_with_a_private_key_file()
    {
        using var authority = CertificateAuthority.Create("Round Trip CA", TimeSpan.FromDays(30));
        Assert.False(CertificateAuthority.Exists(_directory));

        authority.Save(_directory);

        Assert.True(CertificateAuthority.Exists(_directory));
        AssertOwnerOnly(Path.Combine(_directory, "ca.key"));
        Assert.Contains("-----BEGIN PRIVATE KEY-----", File.ReadAllText(Path.Combine(_directory, "ca.key")), StringComparison.Ordinal);
        Assert.Contains("-----BEGIN X509 CRL-----", File.ReadAllText(Path.Combine(_directory, "crl.pem")), StringComparison.Ordinal);
        using var loaded = CertificateAuthority.Load(_directory);
        Assert.Equal(authority.Certificate.Thumbprint, loaded.Certificate.Thumbprint);
        Assert.True(loaded.Certificate.HasPrivateKey);
        var issued = loaded.IssueOperatorCertificate("Op", ["op.mssante.fr"]);
        Assert.True(ChainsTo(issued.Certificate, authority.Certificate));
        Assert.True(issued.Certificate.NotAfter <= authority.Certificate.NotAfter, "a certificate never outlives its authority");
    }

    [Fact]
    public void Revocation_survives_reload_and_each_crl_gets_the_next_number()
    {
        using (var authority = CertificateAuthority.Create("Revoking CA", TimeSpan.FromDays(30)))
        {
            authority.Save(_directory);
        }

        var first = RevocationList.Parse(File.ReadAllBytes(Path.Combine(_directory, "crl.pem")), LoadAnchor());
        Assert.Empty(first.Entries);

        IssuedCertificate revoked;
        IssuedCertificate kept;
        using (var authority = CertificateAuthority.Load(_directory))
        {
            revoked = authority.IssueOperatorCertificate("Op", ["a.mssante.fr"]);
            kept = authority.IssueOperatorCertificate("Op", ["b.mssante.fr"]);
            authority.Revoke(revoked.Certificate);
            authority.Save(_directory);
        }

        var second = RevocationList.Parse(File.ReadAllBytes(Path.Combine(_directory, "crl.pem")), LoadAnchor());
        Assert.Equal(first.CrlNumber + 1, second.CrlNumber);
        Assert.True(second.IsRevoked(revoked.Certificate));
        Assert.False(second.IsRevoked(kept.Certificate));

        using (var authority = CertificateAuthority.Load(_directory))
        {
            Assert.Contains(revoked.Certificate.SerialNumber.TrimStart('0'), authority.RevokedSerialNumbers);
            authority.Revoke(kept.Certificate);
            authority.Save(_directory);
        }

        var third = RevocationList.Parse(File.ReadAllBytes(Path.Combine(_directory, "crl.pem")), LoadAnchor());
        Assert.Equal(second.CrlNumber + 1, third.CrlNumber);
        Assert.True(third.IsRevoked(revoked.Certificate));
        Assert.True(third.IsRevoked(kept.Certificate));
        Assert.True(third.NextUpdate > DateTimeOffset.UtcNow.AddDays(6));

        var validator = new TrustValidator(LoadAnchor(), third);
        var check = validator.ValidateClient(kept.Certificate);
        Assert.Equal(PeerFailure.Revoked, check.Code);
        Assert.Equal("client certificate has been revoked", check.Failure);
    }

    [Fact]
    public void Crl_from_another_authority_is_rejected()
    {
        var foreignCrl = TestPki.ForeignAuthority.BuildCrl();

        Assert.ThrowsAny<CryptographicException>(() => RevocationList.Parse(foreignCrl, TestPki.Authority.Certificate));
    }

    [Fact]
    public void Tampered_crl_is_rejected()
    {
        var crl = TestPki.Authority.BuildCrl();
        crl[^5] ^= 0x01;

        Assert.ThrowsAny<CryptographicException>(() => RevocationList.Parse(crl, TestPki.Authority.Certificate));
    }

    [Fact]
    public void Issued_certificate_files_load_back_with_the_key_readable_by_owner_only()
    {
        var issued = TestPki.Authority.IssueApplicationCertificate("app@pharmacien.mssante.fr");
        var certificatePath = Path.Combine(_directory, "nested", "app.pem");
        var keyPath = Path.Combine(_directory, "nested", "app.key");

        issued.Save(certificatePath, keyPath);

        AssertOwnerOnly(keyPath);
        using var loaded = IssuedCertificate.LoadWithKey(certificatePath, keyPath);
        Assert.True(loaded.HasPrivateKey);
        Assert.Equal(issued.Certificate.Thumbprint, loaded.Thumbprint);
        using var rsa = loaded.GetRSAPrivateKey()!;
        byte[] data = [1, 2, 3];
        var signature = rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Assert.True(issued.Certificate.GetRSAPublicKey()!.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Openssl_agrees_that_the_issued_certificate_chains_to_the_anchor()
    {
        var openssl = FindOnPath("openssl");
        if (openssl is null)
        {
            return; // Cross-check only: .NET's own chain check is asserted elsewhere.
        }

        var result = RunProcess(openssl, "verify", "-CAfile", TestPki.AnchorPemPath, "-crl_check", "-CRLfile", TestPki.CrlPemPath, TestPki.Pharmacien.CertificatePath);
        Assert.True(result.ExitCode == 0, result.Output);
        var revoked = RunProcess(openssl, "verify", "-CAfile", TestPki.AnchorPemPath, "-crl_check", "-CRLfile", TestPki.CrlPemPath, TestPki.RevokedPharmacien.CertificatePath);
        Assert.NotEqual(0, revoked.ExitCode);
        Assert.Contains("revoked", revoked.Output, StringComparison.OrdinalIgnoreCase);
    }

    private static void AssertOwnerOnly(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    private X509Certificate2 LoadAnchor() => X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_directory, "ca.pem"));

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        return chain.Build(certificate);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    private static (int ExitCode, string Output) RunProcess(string fileName, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
