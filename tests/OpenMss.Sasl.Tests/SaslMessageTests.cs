using System.Text;
using OpenMss.Sasl;

namespace OpenMss.Sasl.Tests;

public sealed class SaslMessageTests
{
    private const string Token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiI4MTAwMDEyMzQ1NjUifQ.c2lnbmF0dXJl";

    [Fact]
    public void Oauthbearer_with_an_unknown_port_as_mailkit_sends_it_is_accepted_without_a_port()
    {
        var raw = System.Text.Encoding.ASCII.GetBytes("n,a=pharmacie@pharmacien.mssante.fr,\u0001host=mx\u0001port=-1\u0001auth=Bearer abc.def\u0001\u0001");
        Assert.True(OAuthBearerMessage.TryParse(raw, out var message, out var error), error);
        Assert.Null(message!.Port);
        Assert.Equal("pharmacie@pharmacien.mssante.fr", message.AuthorizationIdentity);
    }

    [Fact]
    public void Oauthbearer_with_authzid_host_and_port()
    {
        var bytes = Encoding.UTF8.GetBytes($"n,a=pharmacie=2Cgare@pharmacien.mssante.fr,\u0001host=imap.pharmacien.mssante.fr\u0001port=993\u0001auth=Bearer {Token}\u0001\u0001");

        Assert.True(OAuthBearerMessage.TryParse(bytes, out var message, out var error), error);

        Assert.Equal("pharmacie,gare@pharmacien.mssante.fr", message.AuthorizationIdentity);
        Assert.Equal(Token, message.Token);
        Assert.Equal("imap.pharmacien.mssante.fr", message.Host);
        Assert.Equal(993, message.Port);
        Assert.DoesNotContain(Token, message.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("c2lnbmF0dXJl", message.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Oauthbearer_without_authzid_and_round_trip()
    {
        Assert.True(OAuthBearerMessage.TryParse(Encoding.UTF8.GetBytes($"n,,\u0001auth=Bearer {Token}\u0001\u0001"), out var plain, out _));
        Assert.Null(plain.AuthorizationIdentity);
        Assert.Equal(Token, plain.Token);

        var formatted = OAuthBearerMessage.Format(Token, "a,b=c@x.mssante.fr", "h", 143);
        Assert.True(OAuthBearerMessage.TryParseBase64(Convert.ToBase64String(formatted), out var parsed, out var error), error);
        Assert.Equal("a,b=c@x.mssante.fr", parsed.AuthorizationIdentity);
        Assert.Equal(143, parsed.Port);

        Assert.True(OAuthBearerMessage.TryParse(Encoding.UTF8.GetBytes($"y,,\u0001auth=bearer {Token}\u0001\u0001"), out var lowerScheme, out _));
        Assert.Equal(Token, lowerScheme.Token);
    }

    [Theory]
    [InlineData("")]
    [InlineData("n,,")]
    [InlineData("n,,\u0001auth=Bearer abc\u0001")]
    [InlineData("n,,\u0001\u0001")]
    [InlineData("n,,\u0001auth=Basic abc\u0001\u0001")]
    [InlineData("n,,\u0001auth=Bearer a b\u0001\u0001")]
    [InlineData("n,,\u0001auth=Bearer\u0001\u0001")]
    [InlineData("p=tls-unique,,\u0001auth=Bearer abc\u0001\u0001")]
    [InlineData("x,,\u0001auth=Bearer abc\u0001\u0001")]
    [InlineData("n,a=bad=2Xname,\u0001auth=Bearer abc\u0001\u0001")]
    [InlineData("n,b=someone,\u0001auth=Bearer abc\u0001\u0001")]
    [InlineData("n,,\u0001auth=Bearer abc\u0001auth=Bearer def\u0001\u0001")]
    [InlineData("n,,\u0001noequals\u0001\u0001")]
    [InlineData("n,,\u0001auth=Bearer abc\u0000\u0001\u0001")]
    public void Malformed_oauthbearer_responses_are_refused_with_a_reason(string text)
    {
        Assert.False(OAuthBearerMessage.TryParse(Encoding.UTF8.GetBytes(text), out var message, out var error));
        Assert.Null(message);
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.DoesNotContain("abc", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Oauthbearer_error_acknowledgement_invalid_utf8_and_base64_are_recognised()
    {
        Assert.True(OAuthBearerMessage.IsErrorAcknowledgement([0x01]));
        Assert.False(OAuthBearerMessage.TryParse([0x01], out _, out var ackError));
        Assert.Contains("acknowledgement", ackError, StringComparison.Ordinal);
        Assert.False(OAuthBearerMessage.TryParse([(byte)'n', (byte)',', (byte)',', 0x01, 0xFF, 0x01, 0x01], out _, out var utf8Error));
        Assert.Contains("UTF-8", utf8Error, StringComparison.Ordinal);
        Assert.False(OAuthBearerMessage.TryParseBase64("***", out _, out var base64Error));
        Assert.Equal("not valid base64", base64Error);
    }

    [Fact]
    public void Xoauth2_is_parsed_and_malformed_ones_refused()
    {
        var bytes = XOAuth2Message.Format("jeanne.martin@pharmacien.mssante.fr", Token);
        Assert.True(XOAuth2Message.TryParseBase64(Convert.ToBase64String(bytes), out var message, out var error), error);
        Assert.Equal("jeanne.martin@pharmacien.mssante.fr", message.User);
        Assert.Equal(Token, message.Token);
        Assert.DoesNotContain(Token, message.ToString(), StringComparison.Ordinal);

        foreach (var bad in new[] { "", "user=a\u0001auth=Bearer abc\u0001", "auth=Bearer abc\u0001\u0001", "user=a\u0001\u0001", "user=a\u0001auth=Basic abc\u0001\u0001", "user=a\u0001user=b\u0001auth=Bearer abc\u0001\u0001", "user=a\u0001other=x\u0001auth=Bearer abc\u0001\u0001" })
        {
            Assert.False(XOAuth2Message.TryParse(Encoding.UTF8.GetBytes(bad), out _, out var badError));
            Assert.False(string.IsNullOrWhiteSpace(badError));
        }
    }

    [Fact]
    public void Plain_with_and_without_authzid()
    {
        Assert.True(PlainMessage.TryParse(Encoding.UTF8.GetBytes("pharmacie@pharmacien.mssante.fr\0" + "10001234565\0sécret-mot"), out var withAuthzid, out var error), error);
        Assert.Equal("pharmacie@pharmacien.mssante.fr", withAuthzid.AuthorizationIdentity);
        Assert.Equal("10001234565", withAuthzid.AuthenticationIdentity);
        Assert.Equal("sécret-mot", withAuthzid.Password);
        Assert.DoesNotContain("sécret-mot", withAuthzid.ToString(), StringComparison.Ordinal);

        Assert.Equal("pharmacie@pharmacien.mssante.fr", withAuthzid.RequestedAuthorizationIdentity);

        Assert.True(PlainMessage.TryParseBase64(Convert.ToBase64String(PlainMessage.Format("10001234565", "pw")), out var without, out _));
        Assert.Null(without.AuthorizationIdentity);
        Assert.Null(without.RequestedAuthorizationIdentity);
        Assert.Equal("pw", without.Password);

        // Naming oneself as authzid is acting as oneself: nothing to authorize.
        Assert.True(PlainMessage.TryParse(Encoding.UTF8.GetBytes("Anne@x.fr\0anne@x.fr\0pw"), out var self, out _));
        Assert.Equal("Anne@x.fr", self.AuthorizationIdentity);
        Assert.Null(self.RequestedAuthorizationIdentity);
    }

    [Fact]
    public void Login_fields_follow_the_plain_rules()
    {
        Assert.True(LoginMessage.TryParseBase64(B64("anne@x.fr"), B64("sécret"), out var login, out var error), error);
        Assert.Equal("anne@x.fr", login.UserName);
        Assert.Equal("sécret", login.Password);
        Assert.DoesNotContain("sécret", login.ToString(), StringComparison.Ordinal);

        Assert.False(LoginMessage.TryParseBase64("=", B64("pw"), out _, out var empty));
        Assert.Contains("empty", empty, StringComparison.Ordinal);
        Assert.False(LoginMessage.TryParseBase64(B64("anne"), "=", out _, out _));
        Assert.False(LoginMessage.TryParseBase64(B64("an\0ne"), B64("pw"), out _, out var nul));
        Assert.Contains("NUL", nul, StringComparison.Ordinal);
        Assert.False(LoginMessage.TryParseBase64(Convert.ToBase64String([0xC3, 0x28]), B64("pw"), out _, out var utf8));
        Assert.Contains("UTF-8", utf8, StringComparison.Ordinal);
        Assert.False(LoginMessage.TryParseBase64(B64("anne"), B64(new string('x', 256)), out _, out var tooLong));
        Assert.Contains("255", tooLong, StringComparison.Ordinal);
        Assert.False(LoginMessage.TryParseBase64("not base64!", B64("pw"), out _, out _));
    }

    [Fact]
    public void External_carries_an_optional_authzid()
    {
        Assert.True(ExternalMessage.TryParseBase64("=", out var none, out var error), error);
        Assert.Null(none.AuthorizationIdentity);
        Assert.True(ExternalMessage.TryParseBase64(string.Empty, out var emptyLine, out _));
        Assert.Null(emptyLine.AuthorizationIdentity);
        Assert.True(ExternalMessage.TryParseBase64(B64("labo@x.fr"), out var some, out _));
        Assert.Equal("labo@x.fr", some.AuthorizationIdentity);

        Assert.False(ExternalMessage.TryParseBase64(Convert.ToBase64String([0xFF]), out _, out _));
        Assert.False(ExternalMessage.TryParseBase64(B64("a\0b"), out _, out _));
        Assert.False(ExternalMessage.TryParseBase64(B64(new string('x', 256)), out _, out _));
    }

    [Fact]
    public void Base64_responses_have_one_size_limit_and_an_equals_sign_is_the_empty_response()
    {
        Assert.True(SaslText.TryDecodeBase64("=", out var empty, out _));
        Assert.Empty(empty);
        Assert.True(SaslText.TryDecodeBase64(" " + B64("abc") + " ", out var trimmed, out _));
        Assert.Equal("abc"u8.ToArray(), trimmed);

        var longest = new string('A', SaslText.MaximumResponseLength);
        Assert.True(SaslText.TryDecodeBase64(longest, out var bytes, out _));
        Assert.Equal(SaslText.MaximumMessageBytes, bytes.Length);
        Assert.False(SaslText.TryDecodeBase64(longest + "AAAA", out _, out var tooLong));
        Assert.Equal("message too long", tooLong);
        Assert.False(SaslText.TryDecodeBase64(null, out _, out _));

        Assert.True(SaslText.IsCancellation("*"));
        Assert.False(SaslText.IsCancellation("*=="));
    }

    [Fact]
    public void Invalid_utf8_is_refused_never_replaced()
    {
        // Overlong '/', a lone surrogate and a truncated sequence (RFC 3629 §3).
        foreach (var bad in new byte[][] { [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82] })
        {
            Assert.False(SaslText.TryDecodeUtf8(bad, out _));
            Assert.False(PlainMessage.TryParse([0, (byte)'u', 0, .. bad], out _, out var error));
            Assert.Contains("UTF-8", error, StringComparison.Ordinal);
        }
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Theory]
    [InlineData("")]
    [InlineData("user")]
    [InlineData("\0user")]
    [InlineData("\0\0password")]
    [InlineData("\0user\0")]
    [InlineData("a\0user\0pass\0more")]
    public void Malformed_plain_responses_are_refused(string text)
    {
        Assert.False(PlainMessage.TryParse(Encoding.UTF8.GetBytes(text), out var message, out var error));
        Assert.Null(message);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void Plain_fields_over_255_octets_are_refused()
    {
        Assert.False(PlainMessage.TryParse(Encoding.UTF8.GetBytes("\0user\0" + new string('x', 256)), out _, out var error));
        Assert.Contains("255", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_error_challenge_is_rfc_7628_json()
    {
        var challenge = OAuthBearerError.ForInvalidToken(new Uri("https://idp.mssante.fr/.well-known/openid-configuration"), "mail");

        Assert.Equal("{\"status\":\"invalid_token\",\"scope\":\"mail\",\"openid-configuration\":\"https://idp.mssante.fr/.well-known/openid-configuration\"}", challenge.ToJson());
        Assert.True(OAuthBearerError.TryParse(Convert.FromBase64String(challenge.ToBase64()), out var parsed, out var error), error);
        Assert.Equal(challenge, parsed);

        Assert.False(OAuthBearerError.TryParse("{\"scope\":\"mail\"}"u8, out _, out var noStatus));
        Assert.Contains("status", noStatus, StringComparison.Ordinal);
        Assert.False(OAuthBearerError.TryParse("[1]"u8, out _, out _));
        Assert.False(OAuthBearerError.TryParse("{"u8, out _, out var notJson));
        Assert.Contains("JSON", notJson, StringComparison.Ordinal);
    }
}

public sealed class SaslFuzzTests
{
    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(4422);
        var buffer = new byte[300];
        for (var round = 0; round < 20_000; round++)
        {
            random.NextBytes(buffer);
            var message = buffer.AsSpan(0, random.Next(buffer.Length));
            _ = PlainMessage.TryParse(message, out _, out _);
            _ = OAuthBearerMessage.TryParse(message, out _, out _);
            _ = XOAuth2Message.TryParse(message, out _, out _);
            _ = OAuthBearerError.TryParse(message, out _, out _);
            var text = Convert.ToBase64String(message);
            _ = LoginMessage.TryParseBase64(text, text, out _, out _);
            _ = ExternalMessage.TryParseBase64(text, out _, out _);
        }
    }
}
