using System.Diagnostics.CodeAnalysis;

namespace OpenMss.Sasl;

/// <summary>
/// The two client responses of the SASL <c>LOGIN</c> mechanism (draft-murchison-sasl-login): the
/// user name, then the password, each base64 on its own line. Each field follows the rules of a
/// PLAIN field (RFC 4616 §2: UTF-8, no NUL, at most 255 octets), so that LOGIN refuses what PLAIN
/// refuses. The password never appears in <see cref="ToString"/>.
/// </summary>
public sealed class LoginMessage
{
    private LoginMessage(string userName, string password)
    {
        UserName = userName;
        Password = password;
    }

    /// <summary>The identity whose password is given.</summary>
    public string UserName { get; }

    /// <summary>The password. A secret: never log it.</summary>
    public string Password { get; }

    /// <summary>Parses the two base64 responses as received after the <c>Username:</c> and <c>Password:</c> challenges.</summary>
    public static bool TryParseBase64(string? userName, string? password, [NotNullWhen(true)] out LoginMessage? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        if (!SaslText.TryDecodeBase64(userName, out var userBytes, out error)
            || !SaslText.TryDecodeField(userBytes, "LOGIN user name", out var userText, out error)
            || !SaslText.TryDecodeBase64(password, out var passwordBytes, out error)
            || !SaslText.TryDecodeField(passwordBytes, "LOGIN password", out var passwordText, out error))
        {
            return false;
        }

        if (userText.Length == 0)
        {
            error = "LOGIN user name is empty";
            return false;
        }

        if (passwordText.Length == 0)
        {
            error = "LOGIN password is empty";
            return false;
        }

        result = new LoginMessage(userText, passwordText);
        return true;
    }

    public override string ToString() => $"LOGIN user={UserName} password=[redacted]";
}
