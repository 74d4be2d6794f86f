namespace OpenMss.Core.Tests;

public class MailboxKindsTests
{
    [Theory]
    [InlineData(MailboxKind.Personal, "PER", "nominative")]
    [InlineData(MailboxKind.Organisational, "ORG", "organisationnelle")]
    [InlineData(MailboxKind.Applicative, "APP", "applicative")]
    [InlineData(MailboxKind.Practice, "CAB", "cabinet")]
    public void Each_kind_has_its_directory_code_and_french_label(MailboxKind kind, string code, string label)
    {
        Assert.Equal(code, MailboxKinds.ToCode(kind));
        Assert.Equal(code, kind.ToCode());
        Assert.Equal(label, MailboxKinds.FrenchLabel(kind));
        Assert.True(MailboxKinds.TryParseCode(code, out var parsed));
        Assert.Equal(kind, parsed);
    }

    [Theory]
    [InlineData(" org ", MailboxKind.Organisational)]
    [InlineData("Per", MailboxKind.Personal)]
    [InlineData("cab\t", MailboxKind.Practice)]
    public void Codes_are_read_ignoring_case_and_surrounding_whitespace(string code, MailboxKind expected)
    {
        Assert.True(MailboxKinds.TryParseCode(code, out var kind));
        Assert.Equal(expected, kind);
        Assert.Equal(expected, MailboxKinds.ParseCode(code));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("PERS")]
    [InlineData("O RG")]
    [InlineData("BAL")]
    public void Unknown_codes_are_refused(string? code)
    {
        Assert.False(MailboxKinds.TryParseCode(code, out _));
        if (code is not null)
        {
            Assert.Throws<FormatException>(() => MailboxKinds.ParseCode(code));
        }
    }

    [Fact]
    public void Undefined_kinds_have_no_code()
        => Assert.Throws<ArgumentOutOfRangeException>(() => ((MailboxKind)42).ToCode());
}
