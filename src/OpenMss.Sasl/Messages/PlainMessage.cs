using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace OpenMss.Sasl;

/// <summary>
/// The client response of the SASL <c>PLAIN</c> mechanism (RFC 4616 §2):
/// <c>[authzid] NUL authcid NUL passwd</c>, UTF-8, each field at most 255 octets. An authorization
/// identity set to an <c>ORG</c> address asks for that shared mailbox. The password never appears
/// in <see cref="ToString"/>.
/// </summary>
public sealed class PlainMessage
{
    /// <summary>Longest field, in octets (RFC 4616 §2).</summary>
    public const int MaximumFieldBytes = 255;

    private PlainMessage(string? authorizationIdentity, string authenticationIdentity, string password)
    {
        AuthorizationIdentity = authorizationIdentity;
        AuthenticationIdentity = authenticationIdentity;
        Password = password;
    }

    /// <summary>The identity to act as; null when empty (act as oneself).</summary>
    public string? AuthorizationIdentity { get; }

    /// <summary>
    /// The identity to act as when it is another one: null when absent or when it names the
    /// authentication identity itself (ignoring case), since acting as oneself needs no authorization.
    /// </summary>
    public string? RequestedAuthorizationIdentity =>
        AuthorizationIdentity is null || string.Equals(AuthorizationIdentity, AuthenticationIdentity, StringComparison.OrdinalIgnoreCase)
            ? null
            : AuthorizationIdentity;

    /// <summary>The identity whose password is given (authcid).</summary>
    public string AuthenticationIdentity { get; }

    /// <summary>The password. A secret: never log it.</summary>
    public string Password { get; }

    /// <summary>Parses a decoded client response.</summary>
    public static bool TryParse(ReadOnlySpan<byte> message, [NotNullWhen(true)] out PlainMessage? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        if (message.IsEmpty)
        {
            error = "empty PLAIN response";
            return false;
        }

        var first = message.IndexOf((byte)0);
        if (first < 0)
        {
            error = "PLAIN response has no NUL separator";
            return false;
        }

        var afterFirst = message[(first + 1)..];
        var second = afterFirst.IndexOf((byte)0);
        if (second < 0)
        {
            error = "PLAIN response needs two NUL separators";
            return false;
        }

        var authzid = message[..first];
        var authcid = afterFirst[..second];
        var password = afterFirst[(second + 1)..];
        if (password.IndexOf((byte)0) >= 0)
        {
            error = "PLAIN response has more than two NUL separators";
            return false;
        }

        if (authzid.Length > MaximumFieldBytes || authcid.Length > MaximumFieldBytes || password.Length > MaximumFieldBytes)
        {
            error = "PLAIN field longer than 255 octets";
            return false;
        }

        if (authcid.IsEmpty)
        {
            error = "PLAIN authentication identity is empty";
            return false;
        }

        if (password.IsEmpty)
        {
            error = "PLAIN password is empty";
            return false;
        }

        if (!SaslText.TryDecodeUtf8(authzid, out var authzidText) || !SaslText.TryDecodeUtf8(authcid, out var authcidText) || !SaslText.TryDecodeUtf8(password, out var passwordText))
        {
            error = "PLAIN response is not valid UTF-8";
            return false;
        }

        result = new PlainMessage(authzidText.Length == 0 ? null : authzidText, authcidText, passwordText);
        error = null;
        return true;
    }

    /// <summary>Parses a base64 client response as received in an IMAP/SMTP command line.</summary>
    public static bool TryParseBase64(string? base64, [NotNullWhen(true)] out PlainMessage? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        return SaslText.TryDecodeBase64(base64, out var bytes, out error) && TryParse(bytes, out result, out error);
    }

    /// <summary>Builds a client response (for clients and tests).</summary>
    public static byte[] Format(string authenticationIdentity, string password, string? authorizationIdentity = null) =>
        SaslText.StrictUtf8.GetBytes($"{authorizationIdentity}\0{authenticationIdentity}\0{password}");

    public override string ToString() =>
        $"PLAIN authzid={AuthorizationIdentity ?? "(none)"} authcid={AuthenticationIdentity} password=[redacted]";
}
