using OpenMss.Core.Identifiers;

namespace OpenMss.Identity.Accounts;

/// <summary>
/// The professionals who can sign in: RPPS (or ADELI) identifier, display name, password hash and
/// TOTP secret (RFC 6238, 6 digits, 30 s steps, one step of tolerance each way, a code never
/// accepted twice). Identifiers are accepted as an RPPS (11 digits, Luhn key checked), an ADELI
/// (9 digits) or an idNat_PS (<c>8</c>+RPPS, <c>0</c>+ADELI).
/// </summary>
public interface IAccountStore
{
    /// <summary>
    /// Creates the account, or updates its name and password. The TOTP secret is the one given, else
    /// the existing one (so re-seeding does not break an enrolled authenticator), else a new random one.
    /// </summary>
    /// <exception cref="IdentifierFormatException">The identifier is not a valid RPPS/ADELI/idNat_PS (e.g. wrong RPPS key); <see cref="IdentifierFormatException.Error"/> has the French reason.</exception>
    /// <exception cref="ArgumentException">Empty name, password shorter than 8 characters, or a TOTP secret that is not Base32 of at least 80 bits.</exception>
    Task<TotpEnrollment> CreateOrUpdateAccountAsync(string rpps, string displayName, string password, string? totpSecretBase32 = null, CancellationToken cancellationToken = default);

    /// <summary>The account with this identifier, or null (also for an invalid identifier).</summary>
    Task<ProfessionalAccount?> FindAsync(string identifier, CancellationToken cancellationToken = default);

    /// <summary>Every account, ordered by subject.</summary>
    Task<IReadOnlyList<ProfessionalAccount>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the account; false when there was none. Its refresh tokens are revoked; its access
    /// tokens fail introspection at once (a mail server that introspects refuses them within its cache time).
    /// </summary>
    Task<bool> DeleteAsync(string identifier, CancellationToken cancellationToken = default);

    /// <summary>
    /// Disables (or enables again) the account; false when there is none. A disabled account cannot
    /// sign in nor use a password login; its tokens are revoked as by <see cref="DeleteAsync"/>.
    /// Enabling it again does not bring old tokens back.
    /// </summary>
    Task<bool> SetEnabledAsync(string identifier, bool enabled, CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks a password alone (for SASL <c>PLAIN</c>/<c>LOGIN</c> where the operator allows passwords):
    /// the account when it is right, else null. Takes the same time whether the account exists or not.
    /// The caller rate-limits.
    /// </summary>
    Task<ProfessionalAccount?> VerifyPasswordAsync(string identifier, string password, CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks identifier, password and one-time code together (the sign-in of the provider). A code
    /// is consumed only when the password is right; a code of a time step already used is refused.
    /// </summary>
    Task<CredentialCheck> VerifyCredentialsAsync(string identifier, string password, string oneTimeCode, CancellationToken cancellationToken = default);
}
