using OpenMss.Core.Identifiers;

namespace OpenMss.Core.Tests.Identifiers;

public class AdeliTests
{
    [Theory]
    [InlineData("751234567")]
    [InlineData("751234568")] // any last digit: the key rule is unconfirmed
    [InlineData("000000000")]
    public void Nine_digits_are_accepted_without_key_check(string input)
    {
        Assert.True(Adeli.TryParse(input, out var adeli, out var error));
        Assert.Equal(input, adeli.Value);
        Assert.True(adeli.IsKeyValid);
        Assert.True(error.IsNone);
    }

    [Theory]
    [InlineData("75123456", IdentifierErrorCode.InvalidLength)]
    [InlineData("7512345678", IdentifierErrorCode.InvalidLength)]
    [InlineData("75123456X", IdentifierErrorCode.InvalidCharacters)]
    [InlineData("2A1234567", IdentifierErrorCode.InvalidCharacters)]
    [InlineData("75 123456", IdentifierErrorCode.InvalidCharacters)]
    [InlineData("", IdentifierErrorCode.Empty)]
    public void Wrong_shapes_are_refused(string input, IdentifierErrorCode expected)
    {
        Assert.False(Adeli.TryParse(input, out _, out var error));
        Assert.Equal(new IdentifierError(IdentifierKind.Adeli, expected), error);
        Assert.False(Adeli.TryParseLenient(input, out _, out _));
    }

    [Fact]
    public void Surrounding_whitespace_is_trimmed()
        => Assert.Equal("751234567", Adeli.Parse(" 751234567 ").Value);

    [Fact]
    public void Reason_for_a_wrong_length_is_french()
    {
        Assert.False(Adeli.TryParse("123", out _, out var error));
        Assert.Equal("Le numéro ADELI doit comporter 9 chiffres.", error.Reason);
    }
}
