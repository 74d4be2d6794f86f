using System.Text;

namespace OpenMss.Imap.Protocol;

/// <summary>The credentials carried by one SASL initial response.</summary>
/// <param name="AuthorizationId">RFC 4616 authzid: the mailbox the user acts for (an ORG mailbox), or null.</param>
public sealed record SaslCredentials(string? AuthenticationId, string? Secret, string? AuthorizationId, bool IsToken);

/// <summary>Decoders of the SASL messages the server accepts: PLAIN (RFC 4616), OAUTHBEARER (RFC 7628) and XOAUTH2 (Google's format).</summary>
public static class Sasl
{
    public static bool TryDecodeBase64(string text, out byte[] bytes)
    {
        bytes = [];
        if (text == "=")
        {
            return true;
        }

        try
        {
            bytes = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static bool TryParsePlain(byte[] message, out SaslCredentials? credentials)
    {
        credentials = null;
        var parts = Encoding.UTF8.GetString(message).Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0)
        {
            return false;
        }

        credentials = new SaslCredentials(parts[1], parts[2], parts[0].Length == 0 ? null : parts[0], false);
        return true;
    }

    public static bool TryParseOAuthBearer(byte[] message, out SaslCredentials? credentials)
    {
        credentials = null;
        var text = Encoding.UTF8.GetString(message);
        var separator = text.IndexOf('\x01', StringComparison.Ordinal);
        if (separator < 0 || !text.StartsWith("n,", StringComparison.Ordinal))
        {
            return false;
        }

        string? authzid = null;
        foreach (var field in text[..separator].Split(','))
        {
            if (field.StartsWith("a=", StringComparison.Ordinal))
            {
                authzid = field[2..].Replace("=2C", ",", StringComparison.Ordinal).Replace("=3D", "=", StringComparison.Ordinal);
            }
        }

        var token = FindBearer(text[(separator + 1)..]);
        if (token is null)
        {
            return false;
        }

        credentials = new SaslCredentials(null, token, authzid, true);
        return true;
    }

    public static bool TryParseXOAuth2(byte[] message, out SaslCredentials? credentials)
    {
        credentials = null;
        var text = Encoding.UTF8.GetString(message);
        string? user = null;
        foreach (var field in text.Split('\x01'))
        {
            if (field.StartsWith("user=", StringComparison.Ordinal))
            {
                user = field[5..];
            }
        }

        var token = FindBearer(text);
        if (token is null || string.IsNullOrEmpty(user))
        {
            return false;
        }

        credentials = new SaslCredentials(user, token, null, true);
        return true;
    }

    private static string? FindBearer(string fields)
    {
        foreach (var field in fields.Split('\x01'))
        {
            if (field.StartsWith("auth=", StringComparison.OrdinalIgnoreCase))
            {
                var value = field[5..];
                return value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && value.Length > 7 ? value[7..] : null;
            }
        }

        return null;
    }
}
