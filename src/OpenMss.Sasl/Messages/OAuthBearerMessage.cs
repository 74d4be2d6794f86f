using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace OpenMss.Sasl;

/// <summary>
/// The client's initial response of the SASL <c>OAUTHBEARER</c> mechanism (RFC 7628 §3.1):
/// <c>n,a=authzid,^Aauth=Bearer &lt;token&gt;^Ahost=…^Aport=…^A^A</c>. The authorization identity is
/// how a member reaches an <c>ORG</c> mailbox (RFC 4616 semantics). The token never appears in
/// <see cref="ToString"/>.
/// </summary>
public sealed class OAuthBearerMessage
{
    private OAuthBearerMessage(string? authorizationIdentity, string token, string? host, int? port)
    {
        AuthorizationIdentity = authorizationIdentity;
        Token = token;
        Host = host;
        Port = port;
    }

    /// <summary>The <c>a=</c> of the GS2 header, unescaped (<c>=2C</c> → <c>,</c>, <c>=3D</c> → <c>=</c>); null when absent.</summary>
    public string? AuthorizationIdentity { get; }

    /// <summary>The bearer access token. A secret: never log it.</summary>
    public string Token { get; }

    /// <summary>The <c>host</c> key, when sent.</summary>
    public string? Host { get; }

    /// <summary>The <c>port</c> key, when sent.</summary>
    public int? Port { get; }

    /// <summary>
    /// True for the one-byte response <c>^A</c> a client sends after a failure challenge
    /// (RFC 7628 §3.2.3): the server then fails the exchange.
    /// </summary>
    public static bool IsErrorAcknowledgement(ReadOnlySpan<byte> message) => message.Length == 1 && message[0] == 0x01;

    /// <summary>Parses a decoded client response.</summary>
    public static bool TryParse(ReadOnlySpan<byte> message, [NotNullWhen(true)] out OAuthBearerMessage? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        if (IsErrorAcknowledgement(message))
        {
            error = "OAUTHBEARER error acknowledgement, not a credential";
            return false;
        }

        if (!SaslText.TryDecodeResponse(message, "OAUTHBEARER", out var text, out error))
        {
            return false;
        }

        // gs2-header = gs2-cb-flag "," [authzid] ","
        var firstComma = text.IndexOf(',', StringComparison.Ordinal);
        if (firstComma < 0)
        {
            error = "missing GS2 header";
            return false;
        }

        var flag = text[..firstComma];
        if (flag.StartsWith("p=", StringComparison.Ordinal))
        {
            error = "channel binding is not supported by OAUTHBEARER";
            return false;
        }

        if (flag is not "n" and not "y")
        {
            error = "GS2 header must start with 'n' or 'y'";
            return false;
        }

        var secondComma = text.IndexOf(',', firstComma + 1);
        if (secondComma < 0)
        {
            error = "GS2 header is not terminated by ','";
            return false;
        }

        string? authzid = null;
        var authzidPart = text[(firstComma + 1)..secondComma];
        if (authzidPart.Length > 0)
        {
            if (!authzidPart.StartsWith("a=", StringComparison.Ordinal) || !TryUnescapeSaslName(authzidPart[2..], out authzid))
            {
                error = "malformed authorization identity in GS2 header";
                return false;
            }
        }

        // kvsep *kvpair kvsep, each kvpair = key "=" value kvsep
        var rest = text[(secondComma + 1)..];
        if (rest.Length < 2 || rest[0] != '\u0001' || !rest.EndsWith("\u0001\u0001", StringComparison.Ordinal))
        {
            error = "key/value pairs must be delimited by ^A and end with ^A^A";
            return false;
        }

        var body = rest[1..^1];
        string? token = null;
        string? host = null;
        int? port = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pair in body.Split('\u0001'))
        {
            if (pair.Length == 0)
            {
                continue;
            }

            if (!SaslText.TrySplitPair(pair, out var key, out var value, out error))
            {
                return false;
            }

            if (!key.All(char.IsAsciiLetter))
            {
                error = "key/value pair has an invalid key";
                return false;
            }

            if (!seen.Add(key))
            {
                error = "key/value pair repeated";
                return false;
            }

            switch (key)
            {
                case "auth":
                    if (!SaslText.TryReadBearer(value, out var bearer, out error))
                    {
                        return false;
                    }

                    token = bearer;
                    break;
                case "host":
                    host = value;
                    break;
                case "port":
                    // Informational only (RFC 7628 §3.1); some clients send "-1" (MailKit) when
                    // they do not know it, so an unusable value is ignored rather than refused.
                    if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 0 and <= 65535)
                    {
                        port = number;
                    }

                    break;
            }
        }

        if (token is null)
        {
            error = "no auth=Bearer value";
            return false;
        }

        result = new OAuthBearerMessage(authzid, token, host, port);
        error = null;
        return true;
    }

    /// <summary>Parses a base64 client response as received in an IMAP/SMTP command line.</summary>
    public static bool TryParseBase64(string? base64, [NotNullWhen(true)] out OAuthBearerMessage? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        return SaslText.TryDecodeBase64(base64, out var bytes, out error) && TryParse(bytes, out result, out error);
    }

    /// <summary>Builds a client response (for clients and tests).</summary>
    public static byte[] Format(string token, string? authorizationIdentity = null, string? host = null, int? port = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        var builder = new StringBuilder("n,");
        if (authorizationIdentity is not null)
        {
            builder.Append("a=").Append(authorizationIdentity.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal));
        }

        builder.Append(",\u0001");
        if (host is not null)
        {
            builder.Append("host=").Append(host).Append('\u0001');
        }

        if (port is not null)
        {
            builder.Append("port=").Append(port.Value.ToString(CultureInfo.InvariantCulture)).Append('\u0001');
        }

        builder.Append("auth=Bearer ").Append(token).Append("\u0001\u0001");
        return SaslText.StrictUtf8.GetBytes(builder.ToString());
    }

    public override string ToString() =>
        $"OAUTHBEARER authzid={AuthorizationIdentity ?? "(none)"} host={Host ?? "-"} port={Port?.ToString(CultureInfo.InvariantCulture) ?? "-"} token=[redacted]";

    /// <summary>RFC 5801 saslname: <c>=2C</c> and <c>=3D</c> are the only escapes; a bare ',' or other '=' is invalid.</summary>
    private static bool TryUnescapeSaslName(string value, [NotNullWhen(true)] out string? name)
    {
        name = null;
        if (value.Length == 0)
        {
            return false;
        }

        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == ',')
            {
                return false;
            }

            if (c != '=')
            {
                builder.Append(c);
                continue;
            }

            if (i + 2 >= value.Length)
            {
                return false;
            }

            var escape = value.AsSpan(i + 1, 2);
            if (escape.SequenceEqual("2C"))
            {
                builder.Append(',');
            }
            else if (escape.SequenceEqual("3D"))
            {
                builder.Append('=');
            }
            else
            {
                return false;
            }

            i += 2;
        }

        name = builder.ToString();
        return true;
    }
}
