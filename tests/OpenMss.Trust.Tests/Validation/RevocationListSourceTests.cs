using OpenMss.Testing;
using OpenMss.Trust;
using OpenMss.Trust.Tests.Whitelist;

namespace OpenMss.Trust.Tests.Validation;

public sealed class RevocationListSourceTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "openmss-crl-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Certificate_revoked_after_start_is_refused_once_the_new_crl_is_loaded()
    {
        using var authority = CertificateAuthority.Create("CRL Source CA", TimeSpan.FromDays(30));
        var peer = authority.IssueOperatorCertificate("Op", ["op.mssante.fr"]);
        authority.Save(_directory);
        using var source = new RevocationListSource(Path.Combine(_directory, "crl.pem"), authority.PublicCertificate, TimeSpan.FromHours(1));
        var validator = new TrustValidator(authority.PublicCertificate, source);
        Assert.True(await source.RefreshAsync());
        Assert.True(validator.ValidateClient(peer.Certificate).IsTrusted);

        authority.Revoke(peer.Certificate);
        authority.Save(_directory);
        Assert.True(await source.RefreshAsync());

        Assert.Equal(PeerFailure.Revoked, validator.ValidateClient(peer.Certificate).Code);
    }

    [Fact]
    public async Task An_older_crl_cannot_replace_a_newer_one()
    {
        using var authority = CertificateAuthority.Create("Replay CA", TimeSpan.FromDays(30));
        var peer = authority.IssueOperatorCertificate("Op", ["op.mssante.fr"]);
        var path = Path.Combine(_directory, "crl.der");
        Directory.CreateDirectory(_directory);
        var old = authority.BuildCrl();
        authority.Revoke(peer.Certificate);
        await File.WriteAllBytesAsync(path, authority.BuildCrl());
        using var source = new RevocationListSource(path, authority.PublicCertificate, TimeSpan.FromHours(1));
        Assert.True(await source.RefreshAsync());

        await File.WriteAllBytesAsync(path, old);
        Assert.False(await source.RefreshAsync());

        Assert.True(source.Current!.IsRevoked(peer.Certificate));
    }

    [Fact]
    public async Task A_crl_signed_by_another_authority_is_ignored()
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, "crl.pem");
        await File.WriteAllTextAsync(path, TestPki.ForeignAuthority.BuildCrlPem());
        using var source = new RevocationListSource(path, TestPki.Anchor, TimeSpan.FromHours(1));

        Assert.False(await source.RefreshAsync());
        Assert.Null(source.Current);
    }

    [Fact]
    public async Task Crl_is_fetched_over_http()
    {
        await using var server = new TinyHttpServer { Body = File.ReadAllBytes(TestPki.CrlPemPath) };
        using var source = new RevocationListSource(server.Url(), TestPki.Anchor, TimeSpan.FromHours(1));

        Assert.True(await source.RefreshAsync());

        Assert.Equal(PeerFailure.Revoked, new TrustValidator(TestPki.Anchor, source).ValidateClient(TestPki.RevokedPharmacien.Certificate).Code);
    }
}
