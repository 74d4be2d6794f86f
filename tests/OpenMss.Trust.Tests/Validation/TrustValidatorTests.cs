using OpenMss.Testing;
using OpenMss.Trust;

namespace OpenMss.Trust.Tests.Validation;

public sealed class TrustValidatorTests
{
    private readonly TrustValidator _validator = TestPki.CreateValidator();

    [Fact]
    public void Operator_certificate_from_the_trust_space_is_trusted_as_client_with_its_domains()
    {
        var check = _validator.ValidateClient(TestPki.Medecin.Certificate);

        Assert.True(check.IsTrusted, check.Failure);
        Assert.Equal(PeerFailure.None, check.Code);
        Assert.Null(check.Failure);
        Assert.Equal(["medecin.mssante.fr"], check.DnsNames);
        Assert.True(check.NamesDomain("MEDECIN.mssante.fr"));
        Assert.False(check.NamesDomain("pharmacien.mssante.fr"));
    }

    [Fact]
    public void Missing_certificate_is_refused()
    {
        var check = _validator.ValidateClient(null);

        Assert.False(check.IsTrusted);
        Assert.Equal(PeerFailure.Missing, check.Code);
        Assert.Equal("no client certificate presented", check.Failure);
    }

    [Fact]
    public void Certificate_from_a_foreign_authority_is_refused()
    {
        var check = _validator.ValidateClient(TestPki.ForeignPharmacien.Certificate);

        Assert.Equal(PeerFailure.UntrustedIssuer, check.Code);
        Assert.Equal("client certificate is not issued by the trust space authority", check.Failure);
        Assert.Equal(["pharmacien.mssante.fr"], check.DnsNames);
    }

    [Fact]
    public void Self_signed_certificate_naming_a_trust_space_domain_is_refused()
    {
        using var impostor = CertificateAuthority.Create("pharmacien.mssante.fr", TimeSpan.FromDays(1));

        Assert.Equal(PeerFailure.UntrustedIssuer, _validator.ValidateClient(impostor.PublicCertificate).Code);
    }

    [Fact]
    public void The_authority_certificate_itself_is_not_a_peer_certificate()
    {
        var check = _validator.ValidateClient(TestPki.Anchor);

        Assert.Equal(PeerFailure.WrongUsage, check.Code);
        Assert.Equal("client certificate is an authority certificate", check.Failure);
    }

    [Fact]
    public void Expired_certificate_from_a_foreign_authority_is_reported_as_foreign()
    {
        var now = DateTimeOffset.UtcNow;
        using var expiredForeign = TestPki.ForeignAuthority.IssueOperatorCertificate("Faux", [TestPki.PharmacienDomain], now.AddDays(-30), now.AddDays(-1)).Certificate;

        Assert.Equal(PeerFailure.UntrustedIssuer, _validator.ValidateClient(expiredForeign).Code);
    }

    [Fact]
    public void Certificate_not_yet_valid_is_refused()
    {
        var now = DateTimeOffset.UtcNow;
        using var future = TestPki.Authority.IssueOperatorCertificate("Op", [TestPki.PharmacienDomain], now.AddDays(1), now.AddDays(30)).Certificate;

        var check = _validator.ValidateClient(future);

        Assert.Equal(PeerFailure.NotYetValid, check.Code);
        Assert.Equal("client certificate is not yet valid", check.Failure);
    }

    [Fact]
    public void Expired_certificate_is_refused()
    {
        var check = _validator.ValidateClient(TestPki.ExpiredPharmacien.Certificate);

        Assert.Equal(PeerFailure.Expired, check.Code);
        Assert.Equal("client certificate has expired", check.Failure);
    }

    [Fact]
    public void Certificate_becomes_expired_when_the_clock_passes_not_after()
    {
        var clock = new ManualClock(new DateTimeOffset(TestPki.Pharmacien.Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero).AddMinutes(-1));
        var validator = TestPki.CreateValidator(clock);
        Assert.True(validator.ValidateClient(TestPki.Pharmacien.Certificate).IsTrusted);

        clock.Now = clock.Now.AddMinutes(2);

        Assert.Equal(PeerFailure.Expired, validator.ValidateClient(TestPki.Pharmacien.Certificate).Code);
    }

    [Fact]
    public void Revoked_certificate_is_refused_and_the_same_certificate_passes_without_a_crl()
    {
        var check = _validator.ValidateClient(TestPki.RevokedPharmacien.Certificate);

        Assert.Equal(PeerFailure.Revoked, check.Code);
        Assert.Equal("client certificate has been revoked", check.Failure);
        Assert.True(new TrustValidator(TestPki.Anchor).ValidateClient(TestPki.RevokedPharmacien.Certificate).IsTrusted);
    }

    [Fact]
    public void A_stale_crl_is_still_applied()
    {
        var clock = new ManualClock(TestPki.Crl.NextUpdate!.Value.AddDays(1));
        var validator = TestPki.CreateValidator(clock);

        Assert.Equal(PeerFailure.Revoked, validator.ValidateClient(TestPki.RevokedPharmacien.Certificate).Code);
    }

    [Fact]
    public void Without_a_loaded_crl_certificates_pass_unless_the_validator_requires_one()
    {
        var empty = new EmptySource();

        Assert.True(new TrustValidator(TestPki.Anchor, empty).ValidateClient(TestPki.Pharmacien.Certificate).IsTrusted);
        var strict = new TrustValidator(TestPki.Anchor, empty) { RequireRevocationList = true };
        Assert.Equal(PeerFailure.RevocationUnknown, strict.ValidateClient(TestPki.Pharmacien.Certificate).Code);
    }

    [Fact]
    public void Application_certificate_is_not_a_server_certificate()
    {
        var check = _validator.ValidateServer(TestPki.LaboApplication.Certificate, "medecin.mssante.fr");

        Assert.Equal(PeerFailure.WrongUsage, check.Code);
        Assert.Equal("server certificate is not issued for TLS server use", check.Failure);
    }

    [Fact]
    public void Server_certificate_must_name_the_destination_domain()
    {
        Assert.True(_validator.ValidateServer(TestPki.Medecin.Certificate, "medecin.mssante.fr").IsTrusted);
        Assert.True(_validator.ValidateServer(TestPki.Medecin.Certificate, "Medecin.MSSante.fr.").IsTrusted);

        var check = _validator.ValidateServer(TestPki.Medecin.Certificate, "pharmacien.mssante.fr");

        Assert.Equal(PeerFailure.NameMismatch, check.Code);
        Assert.Equal("server certificate does not name pharmacien.mssante.fr", check.Failure);
    }

    [Fact]
    public void Server_checks_also_refuse_foreign_expired_and_revoked_certificates()
    {
        Assert.Equal(PeerFailure.UntrustedIssuer, _validator.ValidateServer(TestPki.ForeignPharmacien.Certificate, TestPki.PharmacienDomain).Code);
        Assert.Equal(PeerFailure.Expired, _validator.ValidateServer(TestPki.ExpiredPharmacien.Certificate, TestPki.PharmacienDomain).Code);
        Assert.Equal(PeerFailure.Revoked, _validator.ValidateServer(TestPki.RevokedPharmacien.Certificate, TestPki.PharmacienDomain).Code);
        Assert.Equal(PeerFailure.Missing, _validator.ValidateServer(null, TestPki.PharmacienDomain).Code);
    }

    [Fact]
    public void Wildcard_names_cover_exactly_one_label()
    {
        var wildcard = TestPki.Authority.IssueOperatorCertificate("Op", ["*.hopital.mssante.fr"]).Certificate;

        Assert.True(_validator.ValidateServer(wildcard, "chu.hopital.mssante.fr").IsTrusted);
        Assert.Equal(PeerFailure.NameMismatch, _validator.ValidateServer(wildcard, "hopital.mssante.fr").Code);
        Assert.Equal(PeerFailure.NameMismatch, _validator.ValidateServer(wildcard, "a.b.hopital.mssante.fr").Code);
    }

    [Fact]
    public void Internationalised_domains_match_in_either_form()
    {
        var idn = TestPki.Authority.IssueOperatorCertificate("Op", ["pédiatre.mssante.fr"]).Certificate;

        Assert.True(_validator.ValidateServer(idn, "pédiatre.mssante.fr").IsTrusted);
        Assert.True(_validator.ValidateServer(idn, "xn--pdiatre-bya.mssante.fr").IsTrusted);
        Assert.True(_validator.ValidateClient(idn).NamesDomain("PÉDIATRE.mssante.fr"));
    }

    private sealed class EmptySource : IRevocationSource
    {
        public RevocationList? Current => null;
    }
}

internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
