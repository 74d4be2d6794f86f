using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace OpenMss.Sasl;

/// <summary>
/// The client response of Google's SASL <c>XOAUTH2</c> mechanism, which Thunderbird and many mail
/// clients use: <c>user=&lt;user&gt;^Aauth=Bearer &lt;token&gt;^A^A</c>. <see cref="User"/> is the
/// identity the client asks for (often the mailbox address). The token never appears in <see cref="ToString"/>.
/// </summary>
public sealed class XOAuth2Message
{
    private XOAuth2Message(string user, string token)
    {
        User = user;
        Token = token;
    }

    /// <summary>The <c>user=</c> value.</summary>
    public string User { get; }

    /// <summary>The bearer access token. A secret: never log it.</summary>
    public string Token { get; }

    /// <summary>Parses a decoded client response.</summary>
    public static bool TryParse(ReadOnlySpan<byte> message, [NotNullWhen(true)] out XOAuth2Message? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        if (!SaslText.TryDecodeResponse(message, "XOAUTH2", out var text, out error))
        {
            return false;
        }

        if (!text.EndsWith("\u0001\u0001", StringComparison.Ordinal))
        {
            error = "XOAUTH2 response must end with ^A^A";
            return false;
        }

        string? user = null;
        string? token = null;
        foreach (var pair in text[..^2].Split('\u0001'))
        {
            if (!SaslText.TrySplitPair(pair, out var key, out var value, out error))
            {
                return false;
            }

            switch (key)
            {
                case "user" when user is null:
                    user = value;
                    break;
                case "auth" when token is null:
                    if (!SaslText.TryReadBearer(value, out var bearer, out error))
                    {
                        return false;
                    }

                    token = bearer;
                    break;
                case "user" or "auth":
                    error = "key/value pair repeated";
                    return false;
                default:
                    error = "unknown key in XOAUTH2 response";
                    return false;
            }
        }

        if (string.IsNullOrEmpty(user))
        {
            error = "no user= value";
            return false;
        }

        if (token is null)
        {
            error = "no auth=Bearer value";
            return false;
        }

        result = new XOAuth2Message(user, token);
        error = null;
        return true;
    }

    /// <summary>Parses a base64 client response as received in an IMAP/SMTP command line.</summary>
    public static bool TryParseBase64(string? base64, [NotNullWhen(true)] out XOAuth2Message? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        return SaslText.TryDecodeBase64(base64, out var bytes, out error) && TryParse(bytes, out result, out error);
    }

    /// <summary>Builds a client response (for clients and tests).</summary>
    public static byte[] Format(string user, string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentException.ThrowIfNullOrEmpty(token);
        return SaslText.StrictUtf8.GetBytes($"user={user}\u0001auth=Bearer {token}\u0001\u0001");
    }

    public override string ToString() => $"XOAUTH2 user={User} token=[redacted]";
}
