using OpenMss.Core.Identifiers;

namespace OpenMss.Core.Tests.Identifiers;

public class FinessTests
{
    [Theory]
    [InlineData("75001234")]
    [InlineData("13000456")]
    [InlineData("97100012")] // Guadeloupe
    [InlineData("98000034")] // Mayotte
    public void Numbers_with_their_luhn_key_are_accepted(string payload)
    {
        var number = Reference.WithLuhnKey(payload);
        Assert.True(Finess.TryParse(number, out var finess, out var error));
        Assert.Equal(number, finess.Value);
        Assert.True(finess.IsKeyValid);
        Assert.False(finess.IsCorsican);
        Assert.True(error.IsNone);
    }

    [Fact]
    public void A_wrong_key_is_refused_strictly_and_reported_leniently()
    {
        var number = "75001234" + Reference.WrongLuhnKey("75001234");
        Assert.False(Finess.TryParse(number, out _, out var error));
        Assert.Equal(new IdentifierError(IdentifierKind.Finess, IdentifierErrorCode.InvalidKey), error);
        Assert.Equal("La clé du numéro FINESS est incorrecte.", error.Reason);

        Assert.True(Finess.TryParseLenient(number, out var finess, out var anomaly));
        Assert.Equal(number, finess.Value);
        Assert.False(finess.IsKeyValid);
        Assert.Equal(IdentifierErrorCode.InvalidKey, anomaly.Code);
    }

    // Corsica: the documented rule accepts a key computed with the department read as 20, or as 19/18.
    [Theory]
    [InlineData("A", "20")]
    [InlineData("B", "20")]
    [InlineData("A", "19")]
    [InlineData("B", "18")]
    public void A_corsican_number_is_accepted_with_a_key_from_either_documented_convention(string letter, string departmentDigits)
    {
        const string rest = "000123";
        var key = Reference.LuhnKey(departmentDigits + rest);
        var number = "2" + letter + rest + key;

        Assert.True(Finess.TryParse(number, out var finess, out var error), error.ToString());
        Assert.Equal(number, finess.Value);
        Assert.True(finess.IsCorsican);
        Assert.True(finess.IsKeyValid);
    }

    [Fact]
    public void A_corsican_number_is_normalised_to_upper_case()
        => Assert.Equal("2B" + "000123" + Reference.LuhnKey("20000123"), Finess.Parse("2b000123" + Reference.LuhnKey("20000123")).Value);

    [Theory]
    [InlineData("A", "19")]
    [InlineData("B", "18")]
    public void A_corsican_number_whose_key_fits_no_convention_is_refused(string letter, string nirStyleDigits)
    {
        const string rest = "000123";
        var wrong = "0123456789".First(k => !Reference.LuhnHolds("20" + rest + k) && !Reference.LuhnHolds(nirStyleDigits + rest + k));
        var number = "2" + letter + rest + wrong;

        Assert.False(Finess.TryParse(number, out _, out var error));
        Assert.Equal(IdentifierErrorCode.InvalidKey, error.Code);
        Assert.True(Finess.TryParseLenient(number, out var finess, out _));
        Assert.False(finess.IsKeyValid);
    }

    [Theory]
    [InlineData("2C0001234", IdentifierErrorCode.InvalidCharacters)]
    [InlineData("A20001234", IdentifierErrorCode.InvalidCharacters)]
    [InlineData("3A0001234", IdentifierErrorCode.InvalidCharacters)]
    [InlineData("750012A34", IdentifierErrorCode.InvalidCharacters)]
    [InlineData("75 001234", IdentifierErrorCode.InvalidCharacters)]
    [InlineData("75001234", IdentifierErrorCode.InvalidLength)]
    [InlineData("7500123456", IdentifierErrorCode.InvalidLength)]
    [InlineData("", IdentifierErrorCode.Empty)]
    public void Wrong_shapes_are_refused(string input, IdentifierErrorCode expected)
    {
        Assert.False(Finess.TryParse(input, out _, out var error));
        Assert.Equal(new IdentifierError(IdentifierKind.Finess, expected), error);
        Assert.False(Finess.TryParseLenient(input, out _, out _));
    }

    [Fact]
    public void Surrounding_whitespace_is_trimmed()
    {
        var number = Reference.WithLuhnKey("75001234");
        Assert.Equal(number, Finess.Parse($"  {number} ").Value);
    }
}
