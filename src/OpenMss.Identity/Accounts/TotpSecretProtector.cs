using System.Text;
using OpenMss.Storage;

namespace OpenMss.Identity.Accounts;

/// <summary>
/// Seals TOTP secrets for the database with the mail store's AES-256-GCM record format
/// (<see cref="MessageCipher"/>), under a key kept in a file outside the database, so a copy of the
/// database (a backup, a dump) does not give anyone the second factor. The account's subject is
/// authenticated with each secret: a sealed secret copied onto another account does not decrypt.
/// </summary>
internal sealed class TotpSecretProtector(MessageCipher cipher)
{
    /// <summary>Marks a sealed value; a plain Base32 secret (schema version 1) cannot start with it.</summary>
    public const string Prefix = "enc1:";

    public static bool IsProtected(string stored) => stored.StartsWith(Prefix, StringComparison.Ordinal);

    public string Protect(string subject, string secretBase32) =>
        Prefix + Convert.ToBase64String(cipher.Encrypt(Encoding.ASCII.GetBytes(secretBase32), Purpose(subject)));

    /// <exception cref="StoreDecryptionException">The key file is not the one the secret was sealed with, or the value was altered.</exception>
    public string Unprotect(string subject, string stored)
    {
        if (!IsProtected(stored))
        {
            return stored;
        }

        byte[] record;
        try
        {
            record = Convert.FromBase64String(stored[Prefix.Length..]);
        }
        catch (FormatException ex)
        {
            throw new StoreDecryptionException("A stored TOTP secret is not valid base64.", ex);
        }

        return Encoding.ASCII.GetString(cipher.Decrypt(record, Purpose(subject)));
    }

    private static string Purpose(string subject) => "openmss-identity-totp:" + subject;
}
