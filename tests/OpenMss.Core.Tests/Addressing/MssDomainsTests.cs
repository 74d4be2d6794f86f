using OpenMss.Core.Addressing;

namespace OpenMss.Core.Tests.Addressing;

public class MssDomainsTests
{
    [Theory]
    [InlineData("pharmacien.mssante.fr", true)]
    [InlineData("Pharmacien.MSSante.fr", true)]
    [InlineData(" medecin.mssante.fr ", true)]
    [InlineData("patient.mssante.fr", true)]
    [InlineData("a.b.mssante.fr", true)]
    [InlineData("médecin.mssante.fr", true)]
    [InlineData("mssante.fr", false)]
    [InlineData(".mssante.fr", false)]
    [InlineData("evilmssante.fr", false)]
    [InlineData("mssante.fr.example.org", false)]
    [InlineData("pharmacien.mssante.fr.", false)]
    [InlineData("pharma cien.mssante.fr", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Trust_space_domains_are_recognised_by_syntax(string? domain, bool expected)
        => Assert.Equal(expected, MssDomains.IsTrustSpaceDomain(domain));

    [Theory]
    [InlineData("Médecin.MSSANTE.fr", "xn--mdecin-bva.mssante.fr")]
    [InlineData("xn--MDECIN-BVA.mssante.fr", "xn--mdecin-bva.mssante.fr")]
    [InlineData("Example.ORG", "example.org")]
    [InlineData("  pharmacien.mssante.fr\t", "pharmacien.mssante.fr")]
    public void Normalize_gives_lower_case_ascii(string domain, string expected)
        => Assert.Equal(expected, MssDomains.Normalize(domain));

    [Theory]
    [InlineData("a..b")]
    [InlineData("-a.fr")]
    [InlineData("a_b.fr")]
    [InlineData("192.0.2.1")]
    [InlineData("xn--zz.fr")]
    [InlineData("")]
    public void Normalize_refuses_what_is_not_a_domain_name(string domain)
    {
        Assert.Throws<FormatException>(() => MssDomains.Normalize(domain));
        Assert.False(MssDomains.TryNormalize(domain, out _));
    }

    [Fact]
    public void The_patient_domain_is_in_the_trust_space()
    {
        Assert.Equal("patient.mssante.fr", MssDomains.Patient);
        Assert.True(MssDomains.IsTrustSpaceDomain(MssDomains.Patient));
        Assert.False(MssDomains.IsTrustSpaceDomain(MssDomains.Root));
    }
}
