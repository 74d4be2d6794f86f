using OpenMss.Core.Addressing;

namespace OpenMss.Core.Tests.Addressing;

public class MssAddressTests
{
    [Theory]
    [InlineData("jean.dupont@pharmacien.mssante.fr")]
    [InlineData("pharmacie.dupont@pharmacien.mssante.fr")]
    [InlineData("secretariat-cardio@chu-exemple.mssante.fr")]
    [InlineData("a@b.mssante.fr")]
    [InlineData("labo+resultats@service.operateur.mssante.fr")]
    [InlineData("x!#$%&'*+-/=?^_`{|}~y@medecin.mssante.fr")]
    public void Valid_addresses_are_accepted_unchanged(string input)
    {
        Assert.True(MssAddress.TryParse(input, out var address, out var error), error.ToString());
        Assert.Equal(input, address.Value);
        Assert.Equal(input, address.ToString());
        Assert.True(error.IsNone);
    }

    [Fact]
    public void Parts_are_exposed()
    {
        var address = MssAddress.Parse("jean.dupont@pharmacien.mssante.fr");
        Assert.Equal("jean.dupont", address.LocalPart);
        Assert.Equal("pharmacien.mssante.fr", address.Domain);
        Assert.False(address.IsPatientDomain);
    }

    [Fact]
    public void Upper_case_is_normalised_and_whitespace_trimmed()
    {
        var address = MssAddress.Parse("  Jean.DUPONT@Pharmacien.MSSante.FR \n");
        Assert.Equal("jean.dupont@pharmacien.mssante.fr", address.Value);
        Assert.Equal(MssAddress.Parse("jean.dupont@pharmacien.mssante.fr"), address);
    }

    [Fact]
    public void An_internationalised_domain_is_stored_as_punycode()
    {
        var address = MssAddress.Parse("accueil@Pharmacie-Été.mssante.fr");
        Assert.Equal("accueil@xn--pharmacie-t-kbbb.mssante.fr", address.Value);
        Assert.Equal(address, MssAddress.Parse("accueil@xn--pharmacie-t-kbbb.mssante.fr"));
    }

    [Theory]
    [InlineData("jean.dupont@gmail.com")]
    [InlineData("jean.dupont@mssante.fr.example.com")]
    [InlineData("jean.dupont@evilmssante.fr")]
    [InlineData("jean.dupont@mssante.com")]
    public void Domains_outside_the_trust_space_are_refused(string input)
    {
        Assert.False(MssAddress.TryParse(input, out var address, out var error));
        Assert.Equal(default, address);
        Assert.Equal(AddressErrorCode.NotTrustSpaceDomain, error.Code);
        Assert.Contains(".mssante.fr", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("contact@mssante.fr")]
    [InlineData("contact@MSSANTE.FR")]
    public void The_bare_trust_space_domain_hosts_no_mailbox(string input)
    {
        Assert.False(MssAddress.TryParse(input, out _, out var error));
        Assert.Equal(AddressErrorCode.TrustSpaceRoot, error.Code);
    }

    [Theory]
    [InlineData(".jean@pharmacien.mssante.fr")]
    [InlineData("jean.@pharmacien.mssante.fr")]
    [InlineData("jean..dupont@pharmacien.mssante.fr")]
    [InlineData("jean dupont@pharmacien.mssante.fr")]
    [InlineData("\"jean dupont\"@pharmacien.mssante.fr")]
    [InlineData("jéan@pharmacien.mssante.fr")]
    [InlineData("jean(comment)@pharmacien.mssante.fr")]
    [InlineData("jean,dupont@pharmacien.mssante.fr")]
    [InlineData("jean@dupont@pharmacien.mssante.fr")]
    [InlineData("jean\\dupont@pharmacien.mssante.fr")]
    public void Local_parts_that_are_not_dot_atoms_are_refused(string input)
    {
        Assert.False(MssAddress.TryParse(input, out _, out var error));
        Assert.Equal(AddressErrorCode.InvalidLocalPart, error.Code);
    }

    [Theory]
    [InlineData("jean@", AddressErrorCode.InvalidDomain)]
    [InlineData("@pharmacien.mssante.fr", AddressErrorCode.EmptyLocalPart)]
    [InlineData("jean.dupont", AddressErrorCode.MissingAt)]
    [InlineData("   ", AddressErrorCode.Empty)]
    [InlineData(null, AddressErrorCode.Empty)]
    [InlineData("jean@pharmacien..mssante.fr", AddressErrorCode.InvalidDomain)]
    [InlineData("jean@pharmacien.mssante.fr.", AddressErrorCode.InvalidDomain)]
    [InlineData("jean@-pharmacien.mssante.fr", AddressErrorCode.InvalidDomain)]
    [InlineData("jean@pharma_cien.mssante.fr", AddressErrorCode.InvalidDomain)]
    [InlineData("jean@ pharmacien.mssante.fr", AddressErrorCode.InvalidDomain)]
    [InlineData("jean@[192.0.2.1]", AddressErrorCode.InvalidDomain)]
    [InlineData("jean@xn--zz.mssante.fr", AddressErrorCode.InvalidDomain)]
    public void Malformed_addresses_are_refused_with_the_right_code(string? input, AddressErrorCode expected)
    {
        Assert.False(MssAddress.TryParse(input, out _, out var error));
        Assert.Equal(expected, error.Code);
    }

    [Fact]
    public void The_local_part_may_have_64_octets_but_not_65()
    {
        Assert.True(MssAddress.TryParse(new string('a', 64) + "@pharmacien.mssante.fr", out _, out _));
        Assert.False(MssAddress.TryParse(new string('a', 65) + "@pharmacien.mssante.fr", out _, out var error));
        Assert.Equal(AddressErrorCode.LocalPartTooLong, error.Code);
    }

    [Fact]
    public void The_whole_address_may_have_254_octets_but_not_255()
    {
        // 64 + 1 + domain; the domain made of 63-character labels under mssante.fr.
        var domain = new string('b', 63) + "." + new string('c', 63) + "." + new string('d', 50) + ".mssante.fr";
        var longest = new string('a', 64) + "@" + domain;
        Assert.Equal(254, longest.Length);
        Assert.True(MssAddress.TryParse(longest, out _, out var error), error.ToString());

        var tooLong = new string('a', 64) + "@" + new string('b', 63) + "." + new string('c', 63) + "." + new string('d', 51) + ".mssante.fr";
        Assert.Equal(255, tooLong.Length);
        Assert.False(MssAddress.TryParse(tooLong, out _, out error));
        Assert.Equal(AddressErrorCode.AddressTooLong, error.Code);
    }

    [Fact]
    public void A_label_longer_than_63_characters_is_refused()
    {
        Assert.False(MssAddress.TryParse("a@" + new string('b', 64) + ".mssante.fr", out _, out var error));
        Assert.Equal(AddressErrorCode.InvalidDomain, error.Code);
    }

    [Fact]
    public void Parse_throws_a_format_exception_with_the_reason()
    {
        var exception = Assert.Throws<AddressFormatException>(() => MssAddress.Parse("jean@gmail.com"));
        Assert.IsAssignableFrom<FormatException>(exception);
        Assert.Equal(AddressErrorCode.NotTrustSpaceDomain, exception.Error.Code);
    }

    [Fact]
    public void Is_parsable_through_the_standard_interface()
    {
        Assert.Equal("a@b.mssante.fr", Reference.ParseAsParsable<MssAddress>("A@B.mssante.fr").Value);
        Assert.False(Reference.TryParseAsParsable<MssAddress>("a@b.fr", out _));
    }

    [Fact]
    public void Every_error_has_a_french_reason_and_an_english_one()
    {
        foreach (var code in Enum.GetValues<AddressErrorCode>().Where(c => c != AddressErrorCode.None))
        {
            var error = new AddressError(code);
            Assert.False(string.IsNullOrWhiteSpace(error.Reason), code.ToString());
            Assert.False(string.IsNullOrWhiteSpace(error.EnglishReason), code.ToString());
            Assert.NotEqual(error.Reason, error.EnglishReason);
        }

        Assert.Equal("L'adresse n'est pas renseignée.", new AddressError(AddressErrorCode.Empty).Reason);
        Assert.Equal(string.Empty, AddressError.None.Reason);
    }
}
