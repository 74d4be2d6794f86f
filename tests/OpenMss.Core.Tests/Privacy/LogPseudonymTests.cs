using System.Text.RegularExpressions;
using OpenMss.Core.Addressing;
using OpenMss.Core.Identifiers;
using OpenMss.Core.Privacy;

namespace OpenMss.Core.Tests.Privacy;

public partial class LogPseudonymTests
{
    private static readonly string Patient = PatientAddress.For(InsMatricule.FromNir("1850575123456")).ToString();

    [Fact]
    public void An_address_becomes_a_short_keyed_pseudonym_with_its_domain()
    {
        var logged = LogPseudonym.Address(Patient);

        Assert.Matches(Shape(), logged);
        Assert.EndsWith("@patient.mssante.fr", logged, StringComparison.Ordinal);
        Assert.DoesNotContain(Patient[..13], logged, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_address_gives_the_same_pseudonym_whatever_its_case_and_others_differ()
    {
        Assert.Equal(LogPseudonym.Address(Patient), LogPseudonym.Address(" " + Patient.ToUpperInvariant() + " "));
        Assert.NotEqual(LogPseudonym.Address(Patient), LogPseudonym.Address(PatientAddress.For(InsMatricule.FromNir("1850575123457")).ToString()));
        Assert.NotEqual(LogPseudonym.Of("a"), LogPseudonym.Of("b"));
    }

    [Fact]
    public void The_pseudonym_is_keyed_not_a_plain_hash_of_the_address()
    {
        var plain = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Patient)))[..12];

        Assert.NotEqual("#" + plain, LogPseudonym.Of(Patient));
    }

    [Theory]
    [InlineData("810000000001", "810000000001")]
    [InlineData(" 810000000002 ", "810000000002")]
    [InlineData("0123456789", "0123456789")]
    public void A_professionals_idNatPs_stays_in_clear(string actor, string logged) =>
        Assert.Equal(logged, LogPseudonym.Actor(actor));

    [Theory]
    [InlineData("185057512345655")]
    [InlineData("185057512345655@patient.mssante.fr")]
    [InlineData("labo.resultats@laboratoire.mssante.fr")]
    [InlineData("MotDePasse!")]
    public void Any_other_actor_is_pseudonymised(string actor)
    {
        var logged = LogPseudonym.Actor(actor);

        Assert.Matches(@"^#[0-9a-f]{12}$", logged);
        Assert.Equal(LogPseudonym.Of(actor), logged);
    }

    [Theory]
    [InlineData(null, "-", "(no domain)")]
    [InlineData("", "-", "(no domain)")]
    [InlineData("nodomain", null, "(no domain)")]
    [InlineData("a@", null, "(no domain)")]
    [InlineData("a@Medecin.MSSante.fr", null, "medecin.mssante.fr")]
    public void Missing_parts_are_said_so(string? address, string? logged, string domain)
    {
        if (logged is not null)
        {
            Assert.Equal(logged, LogPseudonym.Address(address));
        }

        Assert.Equal(domain, LogPseudonym.DomainOf(address));
        Assert.Null(LogPseudonym.Actor(null));
    }

    [GeneratedRegex("^#[0-9a-f]{12}@patient\\.mssante\\.fr$")]
    private static partial Regex Shape();
}
