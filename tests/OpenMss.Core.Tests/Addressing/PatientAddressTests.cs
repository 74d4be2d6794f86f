using OpenMss.Core.Addressing;
using OpenMss.Core.Identifiers;

namespace OpenMss.Core.Tests.Addressing;

public class PatientAddressTests
{
    [Fact]
    public void The_reference_example_is_a_valid_patient_address()
    {
        Assert.True(PatientAddress.TryParse("279035121518989@patient.mssante.fr", out var address, out var error), error.ToString());
        Assert.Equal("279035121518989", address.Ins.Value);
        Assert.Equal("279035121518989@patient.mssante.fr", address.ToString());
        Assert.True(address.Address.IsPatientDomain);
    }

    [Fact]
    public void A_wrong_ins_key_is_refused_with_the_ins_reason()
    {
        var input = "2790351215189" + Reference.WrongInsKey("2790351215189") + "@patient.mssante.fr";
        Assert.False(PatientAddress.TryParse(input, out var address, out var error));
        Assert.Equal(default, address);
        Assert.Equal(AddressErrorCode.InvalidPatientIdentifier, error.Code);
        Assert.Equal(IdentifierErrorCode.InvalidKey, error.Identifier.Code);
        Assert.Contains("La clé du matricule INS est incorrecte.", error.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("2790351215189", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("jean.dupont@patient.mssante.fr", IdentifierErrorCode.InvalidLength)]
    [InlineData("2790351215189@patient.mssante.fr", IdentifierErrorCode.InvalidLength)]
    [InlineData("57903512151898x@patient.mssante.fr", IdentifierErrorCode.InvalidCharacters)]
    public void Local_parts_that_are_not_an_ins_are_refused(string input, IdentifierErrorCode expected)
    {
        Assert.False(PatientAddress.TryParse(input, out _, out var error));
        Assert.Equal(AddressErrorCode.InvalidPatientIdentifier, error.Code);
        Assert.Equal(expected, error.Identifier.Code);
    }

    [Theory]
    [InlineData("279035121518989@pharmacien.mssante.fr", AddressErrorCode.NotPatientDomain)]
    [InlineData("279035121518989@patient.mssante.com", AddressErrorCode.NotTrustSpaceDomain)]
    [InlineData("279035121518989@mssante.fr", AddressErrorCode.TrustSpaceRoot)]
    [InlineData("279035121518989", AddressErrorCode.MissingAt)]
    public void Other_domains_are_refused(string input, AddressErrorCode expected)
    {
        Assert.False(PatientAddress.TryParse(input, out _, out var error));
        Assert.Equal(expected, error.Code);
    }

    [Fact]
    public void Case_and_whitespace_are_normalised()
        => Assert.Equal("279035121518989@patient.mssante.fr", PatientAddress.Parse(" 279035121518989@Patient.MSSANTE.fr ").ToString());

    [Fact]
    public void A_corsican_ins_is_accepted_in_either_case()
    {
        const string nir = "253072A073004";
        var ins = nir + Reference.InsKey(nir);
        var upper = PatientAddress.Parse(ins + "@patient.mssante.fr");
        var lower = PatientAddress.Parse(ins.ToLowerInvariant() + "@patient.mssante.fr");

        Assert.Equal(upper, lower);
        Assert.Equal(ins, lower.Ins.Value); // the INS keeps its canonical upper case
        Assert.Equal(ins.ToLowerInvariant() + "@patient.mssante.fr", lower.Address.Value);
    }

    [Fact]
    public void For_builds_the_address_of_an_ins()
    {
        var address = PatientAddress.For(InsMatricule.Parse("279035121518989"));
        Assert.Equal(PatientAddress.Parse("279035121518989@patient.mssante.fr"), address);
        Assert.Equal(MssAddress.Parse("279035121518989@patient.mssante.fr"), address.Address);
    }

    [Fact]
    public void For_refuses_an_ins_with_a_wrong_key()
    {
        Assert.True(InsMatricule.TryParseLenient("279035121518988", out var ins, out _));
        Assert.Throws<ArgumentException>(() => PatientAddress.For(ins));
        Assert.Throws<ArgumentException>(() => PatientAddress.For(default));
    }

    [Fact]
    public void Parse_throws_a_format_exception_with_the_reason()
    {
        var exception = Assert.Throws<AddressFormatException>(() => PatientAddress.Parse("279035121518988@patient.mssante.fr"));
        Assert.Equal(AddressErrorCode.InvalidPatientIdentifier, exception.Error.Code);
    }
}
