using OpenMss.Core.Identifiers;

namespace OpenMss.Core.Tests.Identifiers;

public class LuhnTests
{
    [Theory]
    [InlineData("79927398713", true)] // the classic example of the algorithm's description
    [InlineData("79927398710", false)]
    [InlineData("0", true)]
    [InlineData("", false)]
    [InlineData("7992739871a", false)]
    [InlineData("٧٩٩٢٧٣٩٨٧١٣", false)] // Arabic-Indic digits are not ASCII digits
    public void IsValid_follows_the_definition(string digits, bool expected)
        => Assert.Equal(expected, Luhn.IsValid(digits));

    [Theory]
    [InlineData("7992739871")]
    [InlineData("1000012345")]
    [InlineData("35600000000")]
    [InlineData("9")]
    public void ComputeCheckDigit_matches_the_reference_key(string payload)
        => Assert.Equal(Reference.LuhnKey(payload) - '0', Luhn.ComputeCheckDigit(payload));

    [Fact]
    public void ComputeCheckDigit_refuses_non_digits()
        => Assert.Throws<ArgumentException>(() => Luhn.ComputeCheckDigit("12a"));
}
