using OpenMss.Core.Identifiers;

namespace OpenMss.Core.Tests.Identifiers;

public class SiretTests
{
    [Fact]
    public void The_insee_example_is_valid()
    {
        // INSEE's documented example: the 7th establishment of SIREN 732 829 320.
        Assert.True(Reference.LuhnHolds("73282932000074"));
        var siret = Siret.Parse("73282932000074");
        Assert.Equal("732829320", siret.Siren);
        Assert.True(siret.IsKeyValid);
    }

    [Fact]
    public void A_generated_number_with_its_key_is_valid_and_a_wrong_key_is_not()
    {
        const string payload = "1234567890001";
        Assert.True(Siret.TryParse(Reference.WithLuhnKey(payload), out _, out _));

        var wrong = payload + Reference.WrongLuhnKey(payload);
        Assert.False(Siret.TryParse(wrong, out _, out var error));
        Assert.Equal(new IdentifierError(IdentifierKind.Siret, IdentifierErrorCode.InvalidKey), error);
        Assert.True(Siret.TryParseLenient(wrong, out var lenient, out var anomaly));
        Assert.False(lenient.IsKeyValid);
        Assert.Equal(IdentifierErrorCode.InvalidKey, anomaly.Code);
    }

    [Fact]
    public void La_poste_head_office_satisfies_luhn()
    {
        Assert.True(Reference.LuhnHolds("35600000000048"));
        Assert.True(Siret.TryParse("35600000000048", out _, out _));
    }

    [Fact]
    public void La_poste_establishments_use_a_digit_sum_multiple_of_five()
    {
        // Find establishment numbers whose digit sum is a multiple of 5 but which fail Luhn.
        var numbers = Enumerable.Range(1, 2000)
            .Select(n => "356000000" + n.ToString("00000", System.Globalization.CultureInfo.InvariantCulture))
            .Where(s => s.Sum(c => c - '0') % 5 == 0 && !Reference.LuhnHolds(s))
            .Take(5)
            .ToList();
        Assert.NotEmpty(numbers);
        foreach (var number in numbers)
        {
            Assert.True(Siret.TryParse(number, out var siret, out var error), error.ToString());
            Assert.Equal(Siret.LaPosteSiren, siret.Siren);
        }
    }

    [Fact]
    public void La_poste_numbers_failing_both_rules_are_refused()
    {
        var number = Enumerable.Range(1, 2000)
            .Select(n => "356000000" + n.ToString("00000", System.Globalization.CultureInfo.InvariantCulture))
            .First(s => s.Sum(c => c - '0') % 5 != 0 && !Reference.LuhnHolds(s));
        Assert.False(Siret.TryParse(number, out _, out var error));
        Assert.Equal(IdentifierErrorCode.InvalidKey, error.Code);
    }

    [Fact]
    public void The_digit_sum_rule_applies_to_la_poste_only()
    {
        var number = Enumerable.Range(1, 2000)
            .Select(n => "356000001" + n.ToString("00000", System.Globalization.CultureInfo.InvariantCulture))
            .First(s => s.Sum(c => c - '0') % 5 == 0 && !Reference.LuhnHolds(s));
        Assert.False(Siret.TryParse(number, out _, out _));
    }

    [Theory]
    [InlineData("7328293200007", IdentifierErrorCode.InvalidLength)]
    [InlineData("732829320000745", IdentifierErrorCode.InvalidLength)]
    [InlineData("732 829 320 00074", IdentifierErrorCode.InvalidLength)]
    [InlineData("73282932O00074", IdentifierErrorCode.InvalidCharacters)] // letter O for zero
    [InlineData("\t", IdentifierErrorCode.Empty)]
    public void Wrong_shapes_are_refused(string input, IdentifierErrorCode expected)
    {
        Assert.False(Siret.TryParse(input, out _, out var error));
        Assert.Equal(new IdentifierError(IdentifierKind.Siret, expected), error);
    }
}
