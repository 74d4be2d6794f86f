using System.Buffers;
using System.Net;
using System.Text;
using OpenMss.Smtp.Protocol;

namespace OpenMss.Smtp.Tests.Protocol;

public class SmtpReplyTests
{
    [Fact]
    public void Single_line_reply_has_code_status_and_crlf()
    {
        Assert.Equal("530 5.7.0 Must issue a STARTTLS command first\r\n", Encoding.ASCII.GetString(SmtpReplies.StartTlsFirst.Encoded));
        Assert.Equal("354 Start mail input; end with <CRLF>.<CRLF>\r\n", Encoding.ASCII.GetString(SmtpReplies.StartMailInput.Encoded));
    }

    [Fact]
    public void Multi_line_reply_uses_dash_continuations()
    {
        var reply = SmtpReplies.Ehlo("mx.example", ["PIPELINING", "SIZE 100"]);
        Assert.Equal("250-mx.example OpenMSS\r\n250-PIPELINING\r\n250 SIZE 100\r\n", Encoding.ASCII.GetString(reply.Encoded));

        var writer = new ArrayBufferWriter<byte>();
        reply.WriteTo(writer);
        Assert.Equal(reply.Encoded.ToArray(), writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Texts_from_elsewhere_cannot_forge_further_replies()
    {
        var reply = SmtpReplies.ClientCertificateRefusedBecause("expired\r\n250 2.0.0 OK");
        var wire = Encoding.ASCII.GetString(reply.Encoded);
        Assert.Single(wire.Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("550 5.7.1 Client certificate refused: expired", wire, StringComparison.Ordinal);
    }

    [Fact]
    public void Catalogue_codes_match_the_rfcs()
    {
        Assert.Equal("550 5.1.1", Head(SmtpReplies.UnknownMailbox));
        Assert.Equal("550 5.7.1", Head(SmtpReplies.RelayDenied));
        Assert.Equal("552 5.3.4", Head(SmtpReplies.MessageTooBig));
        Assert.Equal("500 5.5.2", Head(SmtpReplies.LineTooLong));
        Assert.Equal("501 5.5.4", Head(SmtpReplies.SyntaxError));
        Assert.Equal("503 5.5.1", Head(SmtpReplies.BadSequence));
        Assert.Equal("500 5.5.1", Head(SmtpReplies.CommandUnrecognized));
        Assert.Equal("421 4.4.2", Head(SmtpReplies.Timeout));
        Assert.Equal("421 4.7.0", Head(SmtpReplies.TooManyConnections));
        Assert.Equal("421 4.3.2", Head(SmtpReplies.ShuttingDown));
        Assert.Equal("454 4.7.0", Head(SmtpReplies.TlsNotAvailable));
        Assert.Equal("451 4.3.0", Head(SmtpReplies.StorageFailure));
        Assert.Equal("555 5.5.4", Head(SmtpReplies.ParameterNotRecognized));
        Assert.True(SmtpReplies.Timeout.IsTransientFailure);
        Assert.True(SmtpReplies.RelayDenied.IsPermanentFailure);
        Assert.True(SmtpReplies.StartMailInput.IsPositive);
    }

    private static string Head(SmtpReply reply) => $"{reply.Code} {reply.EnhancedStatus}";
}

public class XtextTests
{
    [Theory]
    [InlineData("abc", "abc")]
    [InlineData("a+2Bb", "a+b")]
    [InlineData("a+3Db", "a=b")]
    [InlineData("+20", " ")]
    [InlineData("caf+C3+A9", "café")]
    [InlineData("lower+2b", "lower+")]
    public void Decodes(string encoded, string expected)
    {
        Assert.True(Xtext.TryDecode(Encoding.ASCII.GetBytes(encoded), out var decoded));
        Assert.Equal(expected, decoded);
    }

    [Theory]
    [InlineData("a=b")]
    [InlineData("a b")]
    [InlineData("+2")]
    [InlineData("+GG")]
    [InlineData("+FF")]
    public void Refuses_invalid_xtext(string encoded) => Assert.False(Xtext.TryDecode(Encoding.ASCII.GetBytes(encoded), out _));

    [Fact]
    public void Encode_round_trips()
    {
        const string value = "id+with=special chars é";
        var encoded = Xtext.Encode(value);
        Assert.DoesNotContain(' ', encoded);
        Assert.DoesNotContain('=', encoded);
        Assert.True(Xtext.TryDecode(Encoding.ASCII.GetBytes(encoded), out var decoded));
        Assert.Equal(value, decoded);
    }
}

public class SmtpStateTableTests
{
    [Theory]
    [InlineData(SmtpState.Connected, SmtpVerb.Mail, "503 5.5.1")]
    [InlineData(SmtpState.Connected, SmtpVerb.Rcpt, "503 5.5.1")]
    [InlineData(SmtpState.Connected, SmtpVerb.Data, "503 5.5.1")]
    [InlineData(SmtpState.Connected, SmtpVerb.StartTls, "503 5.5.1")]
    [InlineData(SmtpState.Greeted, SmtpVerb.Rcpt, "503 5.5.1")]
    [InlineData(SmtpState.Greeted, SmtpVerb.Data, "503 5.5.1")]
    [InlineData(SmtpState.MailFrom, SmtpVerb.Mail, "503 5.5.1")]
    [InlineData(SmtpState.MailFrom, SmtpVerb.Data, "554 5.5.1")]
    [InlineData(SmtpState.RcptTo, SmtpVerb.Mail, "503 5.5.1")]
    [InlineData(SmtpState.RcptTo, SmtpVerb.StartTls, "503 5.5.1")]
    [InlineData(SmtpState.Greeted, SmtpVerb.Unknown, "500 5.5.1")]
    public void Commands_out_of_sequence_are_refused(SmtpState state, SmtpVerb verb, string expected)
    {
        var reply = SmtpStateTable.Check(state, verb, tlsActive: false);
        Assert.NotNull(reply);
        Assert.StartsWith(expected, reply.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SmtpState.Connected, SmtpVerb.Ehlo)]
    [InlineData(SmtpState.Connected, SmtpVerb.Quit)]
    [InlineData(SmtpState.Connected, SmtpVerb.Noop)]
    [InlineData(SmtpState.Connected, SmtpVerb.Rset)]
    [InlineData(SmtpState.Greeted, SmtpVerb.Mail)]
    [InlineData(SmtpState.Greeted, SmtpVerb.StartTls)]
    [InlineData(SmtpState.MailFrom, SmtpVerb.Rcpt)]
    [InlineData(SmtpState.RcptTo, SmtpVerb.Rcpt)]
    [InlineData(SmtpState.RcptTo, SmtpVerb.Data)]
    [InlineData(SmtpState.RcptTo, SmtpVerb.Ehlo)]
    public void Commands_in_sequence_are_allowed(SmtpState state, SmtpVerb verb) =>
        Assert.Null(SmtpStateTable.Check(state, verb, tlsActive: false));

    [Fact]
    public void Starttls_is_refused_once_tls_is_active()
    {
        Assert.Equal(SmtpReplies.TlsAlreadyActive, SmtpStateTable.Check(SmtpState.Greeted, SmtpVerb.StartTls, tlsActive: true));
        Assert.Null(SmtpStateTable.Check(SmtpState.Greeted, SmtpVerb.Mail, tlsActive: true));
    }

    [Fact]
    public void Transitions_follow_rfc_5321()
    {
        Assert.Equal(SmtpState.Greeted, SmtpStateTable.Next(SmtpState.Connected, SmtpVerb.Ehlo));
        Assert.Equal(SmtpState.Greeted, SmtpStateTable.Next(SmtpState.RcptTo, SmtpVerb.Ehlo));
        Assert.Equal(SmtpState.MailFrom, SmtpStateTable.Next(SmtpState.Greeted, SmtpVerb.Mail));
        Assert.Equal(SmtpState.RcptTo, SmtpStateTable.Next(SmtpState.MailFrom, SmtpVerb.Rcpt));
        Assert.Equal(SmtpState.Greeted, SmtpStateTable.Next(SmtpState.RcptTo, SmtpVerb.Data));
        Assert.Equal(SmtpState.Greeted, SmtpStateTable.Next(SmtpState.RcptTo, SmtpVerb.Rset));
        Assert.Equal(SmtpState.Connected, SmtpStateTable.Next(SmtpState.Connected, SmtpVerb.Rset));
        Assert.Equal(SmtpState.Connected, SmtpStateTable.Next(SmtpState.Greeted, SmtpVerb.StartTls));
    }

    [Fact]
    public void Every_verb_has_a_rule_in_every_state()
    {
        foreach (var state in Enum.GetValues<SmtpState>())
        {
            foreach (var verb in Enum.GetValues<SmtpVerb>())
            {
                // Quit, Rset and Noop must work everywhere; nothing may throw.
                var reply = SmtpStateTable.Check(state, verb, tlsActive: false);
                if (verb is SmtpVerb.Quit or SmtpVerb.Rset or SmtpVerb.Noop)
                {
                    Assert.Null(reply);
                }
            }
        }
    }
}

public class ReceivedHeaderTests
{
    [Fact]
    public void Writes_a_folded_rfc_5321_trace_without_recipient()
    {
        var buffer = new byte[ReceivedHeader.MaxLength];
        var length = ReceivedHeader.Write(buffer, "client.pharmacien.mssante.fr", IPAddress.Parse("192.0.2.7"), "mx.medecin.mssante.fr", "ESMTPS", "ABC.1",
            new DateTimeOffset(2025, 3, 4, 10, 5, 6, TimeSpan.FromHours(1)));
        var text = Encoding.ASCII.GetString(buffer, 0, length);
        Assert.Equal(
            "Received: from client.pharmacien.mssante.fr ([192.0.2.7])\r\n\tby mx.medecin.mssante.fr (OpenMSS) with ESMTPS id ABC.1;\r\n\tTue, 4 Mar 2025 09:05:06 +0000\r\n",
            text);
        Assert.DoesNotContain(" for ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Ipv6_and_mapped_addresses_are_literal()
    {
        var buffer = new byte[ReceivedHeader.MaxLength];
        var v6 = Encoding.ASCII.GetString(buffer, 0, ReceivedHeader.Write(buffer, "x", IPAddress.IPv6Loopback, "h", "ESMTPS", "1", DateTimeOffset.UnixEpoch));
        Assert.Contains("([IPv6:::1])", v6, StringComparison.Ordinal);
        var mapped = Encoding.ASCII.GetString(buffer, 0, ReceivedHeader.Write(buffer, "x", IPAddress.Parse("::ffff:10.0.0.1"), "h", "ESMTPS", "1", DateTimeOffset.UnixEpoch));
        Assert.Contains("([10.0.0.1])", mapped, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false, false, false, "SMTP")]
    [InlineData(true, false, false, false, "ESMTP")]
    [InlineData(true, true, false, false, "ESMTPS")]
    [InlineData(true, true, true, false, "ESMTPSA")]
    [InlineData(true, true, false, true, "UTF8SMTPS")]
    [InlineData(true, false, true, true, "UTF8SMTPA")]
    public void Protocol_names_follow_rfc_3848_and_6531(bool extended, bool tls, bool auth, bool utf8, string expected) =>
        Assert.Equal(expected, ReceivedHeader.Protocol(extended, tls, auth, utf8));
}
