using OpenMss.Core.Identifiers;

namespace OpenMss.Core.Tests.Identifiers;

public class IdNatPsTests
{
    private const string RppsPayload = "1000123456";
    private static readonly string Rpps = Reference.WithLuhnKey(RppsPayload);
    private static readonly string RppsWrongKey = RppsPayload + Reference.WrongLuhnKey(RppsPayload);

    [Fact]
    public void Eight_followed_by_an_rpps_number_exposes_the_rpps()
    {
        Assert.True(IdNatPs.TryParse("8" + Rpps, out var id, out var error));
        Assert.True(error.IsNone);
        Assert.Equal("8" + Rpps, id.Value);
        Assert.Equal(IdNatPsKind.Rpps, id.Kind);
        Assert.Equal(Rpps, id.RppsNumber?.Value);
        Assert.Null(id.AdeliNumber);
        Assert.True(id.IsKeyValid);
    }

    [Fact]
    public void Zero_followed_by_an_adeli_number_exposes_the_adeli()
    {
        var id = IdNatPs.Parse(" 0751234567 ");
        Assert.Equal("0751234567", id.Value);
        Assert.Equal(IdNatPsKind.Adeli, id.Kind);
        Assert.Equal("751234567", id.AdeliNumber?.Value);
        Assert.Null(id.RppsNumber);
    }

    [Fact]
    public void The_factories_build_the_same_values_as_parsing()
    {
        Assert.Equal(IdNatPs.Parse("8" + Rpps), IdNatPs.FromRpps(Core.Identifiers.Rpps.Parse(Rpps)));
        Assert.Equal(IdNatPs.Parse("0751234567"), IdNatPs.FromAdeli(Adeli.Parse("751234567")));
        Assert.ThrowsAny<ArgumentException>(() => IdNatPs.FromRpps(default));
    }

    [Fact]
    public void A_wrong_rpps_key_is_refused_strictly_and_reported_leniently()
    {
        Assert.False(IdNatPs.TryParse("8" + RppsWrongKey, out _, out var error));
        Assert.Equal(IdentifierErrorCode.InvalidKey, error.Code);
        Assert.Equal("La clé du numéro RPPS est incorrecte.", error.Reason);

        Assert.True(IdNatPs.TryParseLenient("8" + RppsWrongKey, out var id, out var anomaly));
        Assert.False(id.IsKeyValid);
        Assert.Equal(RppsWrongKey, id.RppsNumber?.Value);
        Assert.Equal(IdentifierErrorCode.InvalidKey, anomaly.Code);
    }

    [Theory]
    [InlineData("3123456789012", IdentifierErrorCode.InvalidPrefix)]
    [InlineData("9751234567", IdentifierErrorCode.InvalidPrefix)]
    [InlineData("8751234567", IdentifierErrorCode.InvalidLength)] // 8 + an ADELI-sized number
    [InlineData("010001234567", IdentifierErrorCode.InvalidLength)] // 0 + an RPPS-sized number
    [InlineData("0/751234567", IdentifierErrorCode.InvalidCharacters)]
    [InlineData("8 10001234567", IdentifierErrorCode.InvalidCharacters)]
    [InlineData(" ", IdentifierErrorCode.Empty)]
    public void Wrong_shapes_are_refused(string input, IdentifierErrorCode expected)
    {
        Assert.False(IdNatPs.TryParse(input, out var id, out var error));
        Assert.Equal(default, id);
        Assert.Equal(new IdentifierError(IdentifierKind.IdNatPs, expected), error);
    }

    [Fact]
    public void The_fhir_system_is_the_ans_oid()
        => Assert.Equal("urn:oid:1.2.250.1.71.4.2.1", IdNatPs.FhirSystem);
}
