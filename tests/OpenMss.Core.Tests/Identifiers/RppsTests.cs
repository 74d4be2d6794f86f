using OpenMss.Core.Identifiers;

namespace OpenMss.Core.Tests.Identifiers;

public class RppsTests
{
    private static readonly string Valid = Reference.WithLuhnKey("1000123456");
    private static readonly string WrongKey = "1000123456" + Reference.WrongLuhnKey("1000123456");

    [Fact]
    public void A_number_with_its_luhn_key_is_accepted()
    {
        Assert.True(Rpps.TryParse(Valid, out var rpps, out var error));
        Assert.Equal(Valid, rpps.Value);
        Assert.Equal(Valid, rpps.ToString());
        Assert.True(rpps.IsKeyValid);
        Assert.True(error.IsNone);
    }

    [Theory]
    [InlineData("10101010105")]
    [InlineData("10003456786")]
    public void Other_numbers_with_correct_keys_are_accepted(string number)
    {
        Assert.True(Reference.LuhnHolds(number)); // the test data itself is right by the definition
        Assert.Equal(number, Rpps.Parse(number).Value);
    }

    [Fact]
    public void Surrounding_whitespace_is_trimmed()
        => Assert.Equal(Valid, Rpps.Parse($" \t{Valid}\n").Value);

    [Fact]
    public void A_wrong_key_is_refused_with_a_french_reason()
    {
        Assert.False(Rpps.TryParse(WrongKey, out var rpps, out var error));
        Assert.Equal(default, rpps);
        Assert.Equal(new IdentifierError(IdentifierKind.Rpps, IdentifierErrorCode.InvalidKey), error);
        Assert.Equal("La clé du numéro RPPS est incorrecte.", error.Reason);
    }

    [Fact]
    public void Lenient_parse_keeps_a_wrong_key_and_reports_it()
    {
        Assert.True(Rpps.TryParseLenient(WrongKey, out var rpps, out var anomaly));
        Assert.Equal(WrongKey, rpps.Value);
        Assert.False(rpps.IsKeyValid);
        Assert.Equal(IdentifierErrorCode.InvalidKey, anomaly.Code);
    }

    [Fact]
    public void Lenient_parse_of_a_valid_number_reports_nothing()
    {
        Assert.True(Rpps.TryParseLenient(Valid, out var rpps, out var anomaly));
        Assert.True(rpps.IsKeyValid);
        Assert.True(anomaly.IsNone);
    }

    [Theory]
    [InlineData("1000123456")]
    [InlineData("100012345678")]
    [InlineData("1")]
    [InlineData("10 00123456 7")]
    public void Wrong_lengths_are_refused(string input)
    {
        Assert.False(Rpps.TryParse(input, out _, out var error));
        Assert.Equal(IdentifierErrorCode.InvalidLength, error.Code);
        Assert.Equal("Le numéro RPPS doit comporter 11 chiffres.", error.Reason);
    }

    [Theory]
    [InlineData("1000123456A")]
    [InlineData("10001 23456")]
    [InlineData("1000-123456")]
    [InlineData("１０００１２３４５６７")] // full-width digits
    public void Characters_other_than_ascii_digits_are_refused(string input)
    {
        Assert.False(Rpps.TryParse(input, out _, out var error));
        Assert.Equal(IdentifierErrorCode.InvalidCharacters, error.Code);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Empty_input_is_refused(string? input)
    {
        Assert.False(Rpps.TryParse(input, out _, out var error));
        Assert.Equal(IdentifierErrorCode.Empty, error.Code);
        Assert.False(Rpps.TryParseLenient(input, out _, out _));
    }

    [Fact]
    public void Parse_throws_a_format_exception_carrying_the_reason()
    {
        var exception = Assert.Throws<IdentifierFormatException>(() => Rpps.Parse(WrongKey));
        Assert.IsAssignableFrom<FormatException>(exception);
        Assert.Equal(IdentifierErrorCode.InvalidKey, exception.Error.Code);
        Assert.Equal(exception.Error.EnglishReason, exception.Message);
    }

    [Fact]
    public void Values_compare_by_number()
        => Assert.Equal(Rpps.Parse(Valid), Rpps.Parse($" {Valid} "));

    [Fact]
    public void Is_parsable_through_the_standard_interface()
    {
        Assert.Equal(Valid, Reference.ParseAsParsable<Rpps>(Valid).Value);
        Assert.False(Reference.TryParseAsParsable<Rpps>(WrongKey, out _));
        Assert.Throws<IdentifierFormatException>(() => Reference.ParseAsParsable<Rpps>("x"));
    }
}
