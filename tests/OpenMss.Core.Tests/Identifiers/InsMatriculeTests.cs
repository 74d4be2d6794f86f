using OpenMss.Core.Identifiers;

namespace OpenMss.Core.Tests.Identifiers;

public class InsMatriculeTests
{
    // The example of docs/identifiers.md: a woman born in March 1979 in department 51.
    private const string ReferenceExample = "279035121518989";

    [Fact]
    public void The_reference_example_has_a_valid_key()
    {
        Assert.Equal("89", Reference.InsKey("2790351215189")); // computed from the definition
        Assert.True(InsMatricule.TryParse(ReferenceExample, out var ins, out var error), error.ToString());
        Assert.Equal("2790351215189", ins.Nir);
        Assert.Equal(89, ins.Key);
        Assert.True(ins.IsKeyValid);
        Assert.False(ins.IsCorsican);
    }

    [Theory]
    [InlineData("1850775123456")]
    [InlineData("2991299999001")] // born abroad (99)
    [InlineData("1000197101001")] // overseas department 971
    [InlineData("1752020001001")] // Corsica before 1976 (20)
    public void Numbers_with_their_computed_key_are_accepted(string nir)
    {
        var number = nir + Reference.InsKey(nir);
        Assert.True(InsMatricule.TryParse(number, out var ins, out var error), error.ToString());
        Assert.Equal(number, ins.Value);
    }

    [Theory]
    [InlineData("253072B073004", "70")] // public examples of Corsican NIRs
    [InlineData("253072A073004", "43")]
    [InlineData("185052A004012", null)]
    [InlineData("290012B033011", null)]
    public void Corsican_numbers_use_19_and_18_for_the_key(string nir, string? publishedKey)
    {
        var key = Reference.InsKey(nir);
        if (publishedKey is not null)
        {
            Assert.Equal(publishedKey, key);
        }

        Assert.True(InsMatricule.TryParse(nir + key, out var ins, out var error), error.ToString());
        Assert.True(ins.IsCorsican);
        Assert.True(ins.IsKeyValid);
    }

    [Theory]
    [InlineData("253072B073004")]
    [InlineData("253072A073004")]
    public void A_corsican_number_with_a_wrong_key_is_refused(string nir)
    {
        var number = nir + Reference.WrongInsKey(nir);
        Assert.False(InsMatricule.TryParse(number, out _, out var error));
        Assert.Equal(IdentifierErrorCode.InvalidKey, error.Code);
    }

    [Fact]
    public void A_corsican_key_computed_without_the_substitution_is_refused()
    {
        // Reading 2A as 20 (a common mistake) gives another key, which must not pass.
        const string nir = "253072A073004";
        var naive = (97 - (long.Parse("2530720073004", System.Globalization.CultureInfo.InvariantCulture) % 97)).ToString("00", System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotEqual(Reference.InsKey(nir), naive);
        Assert.False(InsMatricule.TryParse(nir + naive, out _, out _));
    }

    [Fact]
    public void Lower_case_corsican_letters_are_accepted_and_normalised()
    {
        const string nir = "253072B073004";
        var ins = InsMatricule.Parse("253072b073004" + Reference.InsKey(nir));
        Assert.Equal(nir + Reference.InsKey(nir), ins.Value);
    }

    [Fact]
    public void A_wrong_key_is_refused_strictly_and_reported_leniently()
    {
        var number = "2790351215189" + Reference.WrongInsKey("2790351215189");
        Assert.False(InsMatricule.TryParse(number, out _, out var error));
        Assert.Equal(new IdentifierError(IdentifierKind.InsMatricule, IdentifierErrorCode.InvalidKey), error);
        Assert.Equal("La clé du matricule INS est incorrecte.", error.Reason);

        Assert.True(InsMatricule.TryParseLenient(number, out var ins, out var anomaly));
        Assert.False(ins.IsKeyValid);
        Assert.Equal(IdentifierErrorCode.InvalidKey, anomaly.Code);
    }

    [Theory]
    [InlineData('1')]
    [InlineData('2')]
    [InlineData('3')]
    [InlineData('4')]
    [InlineData('7')]
    [InlineData('8')]
    public void Known_first_digits_are_accepted(char first)
    {
        var nir = first + "790351215189";
        Assert.True(InsMatricule.TryParse(nir + Reference.InsKey(nir), out _, out var error), error.ToString());
    }

    [Theory]
    [InlineData('0')]
    [InlineData('5')]
    [InlineData('6')]
    [InlineData('9')]
    public void Other_first_digits_are_refused(char first)
    {
        var nir = first + "790351215189";
        Assert.False(InsMatricule.TryParse(nir + Reference.InsKey(nir), out _, out var error));
        Assert.Equal(IdentifierErrorCode.InvalidSex, error.Code);
    }

    [Theory]
    [InlineData("01", true)]
    [InlineData("12", true)]
    [InlineData("20", true)]
    [InlineData("42", true)]
    [InlineData("50", true)]
    [InlineData("99", true)]
    [InlineData("00", false)]
    [InlineData("13", false)]
    [InlineData("19", false)]
    [InlineData("43", false)]
    [InlineData("49", false)]
    public void Birth_months_follow_the_ranges_in_use(string month, bool accepted)
    {
        var nir = "179" + month + "51215189";
        Assert.Equal(accepted, InsMatricule.TryParse(nir + Reference.InsKey(nir), out _, out var error));
        if (!accepted)
        {
            Assert.Equal(IdentifierErrorCode.InvalidMonth, error.Code);
        }
    }

    [Fact]
    public void Department_00_is_refused()
    {
        const string nir = "1790300215189";
        Assert.False(InsMatricule.TryParse(nir + Reference.InsKey(nir), out _, out var error));
        Assert.Equal(IdentifierErrorCode.InvalidDepartment, error.Code);
    }

    [Theory]
    [InlineData("279032C21518989")] // only A or B after 2
    [InlineData("279033A21518989")] // A only after 2
    [InlineData("2790351A1518989")] // letter outside the department
    [InlineData("27903512151898A")]
    [InlineData("2790351215189 9")]
    [InlineData("2 7903512151898")]
    public void Letters_and_spaces_are_refused(string input)
    {
        Assert.False(InsMatricule.TryParse(input, out _, out var error));
        Assert.Equal(IdentifierErrorCode.InvalidCharacters, error.Code);
    }

    [Theory]
    [InlineData("2790351215189")] // NIR without key
    [InlineData("27903512151898")]
    [InlineData("2790351215189890")]
    public void Wrong_lengths_are_refused(string input)
    {
        Assert.False(InsMatricule.TryParse(input, out _, out var error));
        Assert.Equal(IdentifierErrorCode.InvalidLength, error.Code);
    }

    [Fact]
    public void Surrounding_whitespace_is_trimmed()
        => Assert.Equal(ReferenceExample, InsMatricule.Parse($" {ReferenceExample}\r\n").Value);

    [Fact]
    public void FromNir_appends_the_computed_key()
    {
        Assert.Equal(ReferenceExample, InsMatricule.FromNir("2790351215189").Value);
        Assert.Equal("253072A073004" + Reference.InsKey("253072A073004"), InsMatricule.FromNir("253072a073004").Value);
        Assert.Equal(IdentifierErrorCode.InvalidSex, Assert.Throws<IdentifierFormatException>(() => InsMatricule.FromNir("5790351215189")).Error.Code);
        Assert.Equal(IdentifierErrorCode.InvalidLength, Assert.Throws<IdentifierFormatException>(() => InsMatricule.FromNir("279035121518")).Error.Code);
    }

    [Fact]
    public void Error_texts_never_repeat_the_patient_identifier()
    {
        var number = "2790351215189" + Reference.WrongInsKey("2790351215189");
        Assert.False(InsMatricule.TryParse(number, out _, out var error));
        Assert.DoesNotContain("2790351215189", error.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("2790351215189", error.EnglishReason, StringComparison.Ordinal);
        Assert.DoesNotContain("2790351215189", error.ToString(), StringComparison.Ordinal);
    }
}
