using OpenMss.Core.Identifiers;

namespace OpenMss.Core.Tests.Identifiers;

public class IdentifierErrorTests
{
    public static TheoryData<IdentifierKind, IdentifierErrorCode> EveryError()
    {
        var data = new TheoryData<IdentifierKind, IdentifierErrorCode>();
        foreach (var kind in Enum.GetValues<IdentifierKind>())
        {
            foreach (var code in Enum.GetValues<IdentifierErrorCode>().Where(c => c != IdentifierErrorCode.None))
            {
                data.Add(kind, code);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryError))]
    public void Every_error_has_a_french_reason_and_an_english_one(IdentifierKind kind, IdentifierErrorCode code)
    {
        var error = new IdentifierError(kind, code);
        Assert.False(error.IsNone);
        Assert.False(string.IsNullOrWhiteSpace(error.Reason));
        Assert.False(string.IsNullOrWhiteSpace(error.EnglishReason));
        Assert.NotEqual(error.Reason, error.EnglishReason);
        Assert.Matches(@"^(Le |La |L')\S.+\.$", error.Reason); // a French sentence
        Assert.EndsWith(".", error.EnglishReason, StringComparison.Ordinal);
    }

    [Fact]
    public void No_error_is_the_default_and_has_no_text()
    {
        Assert.True(IdentifierError.None.IsNone);
        Assert.True(default(IdentifierError).IsNone);
        Assert.Equal(string.Empty, IdentifierError.None.Reason);
    }

    [Theory]
    [InlineData(IdentifierKind.Rpps, IdentifierErrorCode.InvalidLength, "Le numéro RPPS doit comporter 11 chiffres.")]
    [InlineData(IdentifierKind.Rpps, IdentifierErrorCode.InvalidKey, "La clé du numéro RPPS est incorrecte.")]
    [InlineData(IdentifierKind.Siret, IdentifierErrorCode.InvalidLength, "Le numéro SIRET doit comporter 14 chiffres.")]
    [InlineData(IdentifierKind.InsMatricule, IdentifierErrorCode.InvalidKey, "La clé du matricule INS est incorrecte.")]
    [InlineData(IdentifierKind.Finess, IdentifierErrorCode.Empty, "Le numéro FINESS n'est pas renseigné.")]
    public void Reasons_read_as_written_for_the_ui(IdentifierKind kind, IdentifierErrorCode code, string expected)
        => Assert.Equal(expected, new IdentifierError(kind, code).Reason);

    [Fact]
    public void All_identifier_types_share_one_generic_contract()
    {
        Assert.True(ParsesStrictly<Rpps>(Reference.WithLuhnKey("1000123456")));
        Assert.True(ParsesStrictly<Adeli>("751234567"));
        Assert.True(ParsesStrictly<IdNatPs>("0751234567"));
        Assert.True(ParsesStrictly<Finess>(Reference.WithLuhnKey("75001234")));
        Assert.True(ParsesStrictly<Siret>("73282932000074"));
        Assert.True(ParsesStrictly<InsMatricule>("279035121518989"));
        Assert.False(ParsesStrictly<InsMatricule>("279035121518988"));
    }

    private static bool ParsesStrictly<T>(string input) where T : struct, INationalIdentifier<T>
        => T.TryParse(input, out var value, out _) && value.IsKeyValid && value.Value == input;
}
