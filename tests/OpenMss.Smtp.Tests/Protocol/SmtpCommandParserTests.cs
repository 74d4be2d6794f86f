using System.Text;
using OpenMss.Smtp.Protocol;
using OpenMss.Storage;

namespace OpenMss.Smtp.Tests.Protocol;

public class SmtpCommandParserTests
{
    private static SmtpParseResult Parse(string line, bool utf8 = false) => SmtpCommandParser.Parse(Encoding.UTF8.GetBytes(line), utf8);

    private static void AssertError(string line, string expected, bool utf8 = false)
    {
        var result = Parse(line, utf8);
        Assert.False(result.IsSuccess, $"'{line}' should be refused");
        Assert.StartsWith(expected, result.Error!.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("EHLO client.example", SmtpVerb.Ehlo)]
    [InlineData("ehlo client.example", SmtpVerb.Ehlo)]
    [InlineData("HELO client.example", SmtpVerb.Helo)]
    [InlineData("DATA", SmtpVerb.Data)]
    [InlineData("rset", SmtpVerb.Rset)]
    [InlineData("NOOP", SmtpVerb.Noop)]
    [InlineData("NOOP anything at all", SmtpVerb.Noop)]
    [InlineData("QUIT", SmtpVerb.Quit)]
    [InlineData("QUIT   ", SmtpVerb.Quit)]
    [InlineData("HELP", SmtpVerb.Help)]
    [InlineData("HELP MAIL", SmtpVerb.Help)]
    [InlineData("VRFY someone", SmtpVerb.Vrfy)]
    [InlineData("StartTLS", SmtpVerb.StartTls)]
    [InlineData("AUTH PLAIN", SmtpVerb.Auth)]
    [InlineData("BDAT 100 LAST", SmtpVerb.Bdat)]
    public void Recognises_commands_case_insensitively(string line, SmtpVerb verb)
    {
        var result = Parse(line);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        Assert.Equal(verb, result.Command!.Verb);
    }

    [Theory]
    [InlineData("FOO")]
    [InlineData("MAILFROM:<a@b.c>")]
    [InlineData("")]
    [InlineData(" EHLO x")]
    [InlineData("GET / HTTP/1.1")]
    public void Unknown_commands_get_500_5_5_1(string line) => AssertError(line, "500 5.5.1");

    [Theory]
    [InlineData("NOOP ")]
    [InlineData("VRFY ")]
    [InlineData("HELP ")]
    public void An_argument_that_is_not_utf8_is_refused_instead_of_decoded_lossily(string verb)
    {
        var result = SmtpCommandParser.Parse([.. Encoding.ASCII.GetBytes(verb), 0x64, 0xE9, 0x66], smtpUtf8Transaction: true);
        Assert.False(result.IsSuccess);
        Assert.StartsWith("500 5.5.2", result.Error!.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("EHLO")]
    [InlineData("HELO ")]
    [InlineData("EHLO bad<name>")]
    [InlineData("EHLO [1.2.3.4")]
    public void Hello_without_a_valid_name_gets_501(string line) => AssertError(line, "501 5.5.4");

    [Fact]
    public void Hello_keeps_the_name_and_accepts_address_literals()
    {
        Assert.Equal("client.pharmacien.mssante.fr", ((HelloCommand)Parse("EHLO client.pharmacien.mssante.fr").Command!).ClientName);
        Assert.Equal("[127.0.0.1]", ((HelloCommand)Parse("EHLO [127.0.0.1]").Command!).ClientName);
        Assert.Equal("[IPv6:::1]", ((HelloCommand)Parse("HELO [IPv6:::1]").Command!).ClientName);
        Assert.False(((HelloCommand)Parse("HELO x").Command!).IsExtended);
    }

    [Theory]
    [InlineData("DATA now")]
    [InlineData("RSET x")]
    [InlineData("STARTTLS please")]
    [InlineData("QUIT now")]
    public void Commands_without_arguments_refuse_them(string line) => AssertError(line, "501 5.5.4");

    [Theory]
    [InlineData("MAIL FROM:<alice@pharmacien.mssante.fr>", "alice@pharmacien.mssante.fr")]
    [InlineData("mail from:<alice@pharmacien.mssante.fr>", "alice@pharmacien.mssante.fr")]
    [InlineData("MAIL FROM: <alice@pharmacien.mssante.fr>", "alice@pharmacien.mssante.fr")]
    [InlineData("MAIL FROM:<@relay.example,@other.example:alice@pharmacien.mssante.fr>", "alice@pharmacien.mssante.fr")]
    [InlineData("MAIL FROM:<\"jean dupont\"@pharmacien.mssante.fr>", "\"jean dupont\"@pharmacien.mssante.fr")]
    [InlineData("MAIL FROM:<\"a>b\\\"c\"@pharmacien.mssante.fr>", "\"a>b\\\"c\"@pharmacien.mssante.fr")]
    [InlineData("MAIL FROM:<first.last+tag@sub.pharmacien.mssante.fr>", "first.last+tag@sub.pharmacien.mssante.fr")]
    [InlineData("MAIL FROM:<user@[192.0.2.1]>", "user@[192.0.2.1]")]
    [InlineData("MAIL FROM:<>", "")]
    public void Mail_from_paths(string line, string expected)
    {
        var result = Parse(line);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        var mail = Assert.IsType<MailFromCommand>(result.Command);
        Assert.Equal(expected, mail.ReversePath);
        Assert.Equal(expected.Length == 0, mail.IsNullSender);
    }

    [Theory]
    [InlineData("MAIL FROM:alice@pharmacien.mssante.fr")]
    [InlineData("MAIL FROM:<alice@pharmacien.mssante.fr")]
    [InlineData("MAIL FROM:<alice>")]
    [InlineData("MAIL FROM:<alice@>")]
    [InlineData("MAIL FROM:<@pharmacien.mssante.fr>")]
    [InlineData("MAIL FROM:<.alice@pharmacien.mssante.fr>")]
    [InlineData("MAIL FROM:<al..ice@pharmacien.mssante.fr>")]
    [InlineData("MAIL FROM:<al ice@pharmacien.mssante.fr>")]
    [InlineData("MAIL FROM:<alice@-bad.example>")]
    [InlineData("MAIL FROM:<alice@bad..example>")]
    [InlineData("MAIL FROM:<alice@pharmacien.mssante.fr>x")]
    [InlineData("MAIL FROM:<@relay.example alice@x.fr>")]
    [InlineData("MAIL FROM:<\"unterminated@pharmacien.mssante.fr>")]
    public void Malformed_sender_paths_get_501_5_1_7(string line) => AssertError(line, "501 5.1.7");

    [Theory]
    [InlineData("MAIL TO:<a@b.fr>")]
    [InlineData("MAIL <a@b.fr>")]
    [InlineData("MAIL")]
    [InlineData("RCPT FROM:<a@b.fr>")]
    public void Mail_and_rcpt_need_their_keyword(string line) => AssertError(line, "501 5.5.4");

    [Fact]
    public void Paths_longer_than_rfc_5321_allows_are_refused()
    {
        AssertError($"MAIL FROM:<{new string('a', 65)}@pharmacien.mssante.fr>", "501 5.1.3");
        AssertError($"RCPT TO:<{new string('a', 60)}@{string.Join('.', Enumerable.Repeat(new string('b', 60), 4))}.fr>", "501 5.1.3");
    }

    [Fact]
    public void Mail_parameters_are_parsed()
    {
        var result = Parse("MAIL FROM:<a@pharmacien.mssante.fr> SIZE=12345 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B123+3DX");
        var mail = Assert.IsType<MailFromCommand>(result.Command);
        Assert.Equal(12345, mail.Parameters.Size);
        Assert.Equal(SmtpBodyType.EightBitMime, mail.Parameters.Body);
        Assert.True(mail.Parameters.SmtpUtf8);
        Assert.Equal(DsnReturn.Headers, mail.Parameters.Return);
        Assert.Equal("QQ+123=X", mail.Parameters.EnvelopeId);

        var lower = Assert.IsType<MailFromCommand>(Parse("MAIL FROM:<> body=7bit ret=full size=0").Command);
        Assert.Equal(SmtpBodyType.SevenBit, lower.Parameters.Body);
        Assert.Equal(DsnReturn.Full, lower.Parameters.Return);
        Assert.Equal(0, lower.Parameters.Size);
    }

    [Fact]
    public void A_huge_declared_size_saturates_instead_of_overflowing()
    {
        var mail = Assert.IsType<MailFromCommand>(Parse("MAIL FROM:<> SIZE=99999999999999999999").Command);
        Assert.Equal(long.MaxValue, mail.Parameters.Size);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@b.fr> FOO=BAR")]
    [InlineData("MAIL FROM:<a@b.fr> AUTH=<>")]
    [InlineData("MAIL FROM:<a@b.fr> NOTIFY=NEVER")]
    [InlineData("MAIL FROM:<a@b.fr> BODY=BINARYMIME")]
    [InlineData("RCPT TO:<a@b.fr> SIZE=10")]
    [InlineData("RCPT TO:<a@b.fr> RET=FULL")]
    [InlineData("RCPT TO:<a@b.fr> X-FOO")]
    public void Unknown_or_misplaced_parameters_get_555(string line) => AssertError(line, "555 5.5.4");

    [Theory]
    [InlineData("MAIL FROM:<a@b.fr> SIZE=abc")]
    [InlineData("MAIL FROM:<a@b.fr> SIZE=")]
    [InlineData("MAIL FROM:<a@b.fr> SIZE")]
    [InlineData("MAIL FROM:<a@b.fr> BODY=9BIT")]
    [InlineData("MAIL FROM:<a@b.fr> SMTPUTF8=yes")]
    [InlineData("MAIL FROM:<a@b.fr> RET=ALL")]
    [InlineData("MAIL FROM:<a@b.fr> ENVID=bad+zz")]
    [InlineData("MAIL FROM:<a@b.fr> ENVID=trailing+4")]
    [InlineData("RCPT TO:<a@b.fr> NOTIFY=NEVER,SUCCESS")]
    [InlineData("RCPT TO:<a@b.fr> NOTIFY=SOMETIMES")]
    [InlineData("RCPT TO:<a@b.fr> NOTIFY=")]
    [InlineData("RCPT TO:<a@b.fr> ORCPT=rfc822")]
    [InlineData("RCPT TO:<a@b.fr> ORCPT=;a@b.fr")]
    [InlineData("RCPT TO:<a@b.fr> ORCPT=rfc822;")]
    [InlineData("MAIL FROM:<a@b.fr> SIZE=1 SIZE=2")]
    [InlineData("RCPT TO:<a@b.fr> NOTIFY=DELAY NOTIFY=FAILURE")]
    [InlineData("MAIL FROM:<a@b.fr> =1")]
    public void Invalid_parameter_values_get_501(string line) => AssertError(line, "501 5.5.4");

    [Fact]
    public void Envelope_id_longer_than_100_characters_is_refused() =>
        AssertError($"MAIL FROM:<a@b.fr> ENVID={new string('x', 101)}", "501 5.5.4");

    [Fact]
    public void Rcpt_parameters_are_parsed()
    {
        var rcpt = Assert.IsType<RcptToCommand>(Parse("RCPT TO:<bob@medecin.mssante.fr> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;bob+2Bx@medecin.mssante.fr").Command);
        Assert.Equal("bob@medecin.mssante.fr", rcpt.Recipient);
        Assert.Equal(DsnNotify.Success | DsnNotify.Delay, rcpt.Parameters.Notify);
        Assert.Equal("rfc822", rcpt.Parameters.OriginalRecipientType);
        Assert.Equal("bob+x@medecin.mssante.fr", rcpt.Parameters.OriginalRecipient);

        var never = Assert.IsType<RcptToCommand>(Parse("RCPT TO:<bob@medecin.mssante.fr> notify=never").Command);
        Assert.Equal(DsnNotify.Never, never.Parameters.Notify);
    }

    [Fact]
    public void Rcpt_accepts_postmaster_without_domain_but_not_the_null_path()
    {
        Assert.Equal("Postmaster", Assert.IsType<RcptToCommand>(Parse("RCPT TO:<postmaster>").Command).Recipient);
        AssertError("RCPT TO:<>", "501 5.1.3");
        AssertError("RCPT TO:<nobody>", "501 5.1.3");
    }

    [Fact]
    public void Non_ascii_addresses_need_smtputf8()
    {
        AssertError("MAIL FROM:<rené@pharmacien.mssante.fr>", "553 5.6.7");
        AssertError("RCPT TO:<chloé@medecin.mssante.fr>", "553 5.6.7");
        AssertError("RCPT TO:<bob@médecin.mssante.fr>", "553 5.6.7");

        var mail = Assert.IsType<MailFromCommand>(Parse("MAIL FROM:<rené@pharmacien.mssante.fr> SMTPUTF8").Command);
        Assert.Equal("rené@pharmacien.mssante.fr", mail.ReversePath);
        var rcpt = Assert.IsType<RcptToCommand>(Parse("RCPT TO:<chloé@médecin.mssante.fr>", utf8: true).Command);
        Assert.Equal("chloé@médecin.mssante.fr", rcpt.Recipient);
    }

    [Fact]
    public void Control_characters_and_invalid_utf8_are_refused()
    {
        AssertError("NOOP a\u0001b", "500 5.5.2");
        var invalid = SmtpCommandParser.Parse([.. "MAIL FROM:<a"u8, 0xC3, 0x28, .. "@b.fr> SMTPUTF8"u8]);
        Assert.StartsWith("500 5.5.2", invalid.Error!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_verb_is_reported_even_when_the_arguments_are_wrong()
    {
        var result = Parse("RCPT TO:garbage");
        Assert.Equal(SmtpVerb.Rcpt, result.Verb);
        Assert.False(result.IsSuccess);
    }
}
