namespace OpenMss.Identity.Accounts;

/// <summary>
/// A health professional who can sign in to the identity provider, identified by RPPS (or ADELI).
/// Carries no secret: the password hash and the TOTP secret stay in the store.
/// </summary>
/// <param name="Subject">The idNat_PS (<c>8</c>+RPPS or <c>0</c>+ADELI), the <c>sub</c> of the tokens.</param>
/// <param name="Rpps">The RPPS number, when the professional has one.</param>
/// <param name="Adeli">The ADELI number, for a professional known by ADELI only.</param>
/// <param name="DisplayName">The name shown to people and put in the <c>name</c> claim.</param>
public sealed record ProfessionalAccount(
    string Subject,
    string? Rpps,
    string? Adeli,
    string DisplayName,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>False when the account was disabled (<see cref="IAccountStore.SetEnabledAsync"/>): no sign-in, no token accepted.</summary>
    public bool IsEnabled { get; init; } = true;
}

/// <summary>
/// What an account was enrolled with for its second factor (RFC 6238 TOTP, the e-CPS stand-in):
/// the Base32 secret and the <c>otpauth://</c> URI an authenticator app reads (as a QR code).
/// Both are secrets: <see cref="ToString"/> shows neither.
/// </summary>
public sealed class TotpEnrollment
{
    internal TotpEnrollment(ProfessionalAccount account, string secretBase32, Uri otpAuthUri)
    {
        Account = account;
        SecretBase32 = secretBase32;
        OtpAuthUri = otpAuthUri;
    }

    /// <summary>The account as stored.</summary>
    public ProfessionalAccount Account { get; }

    /// <summary>The shared secret, Base32 without padding (RFC 4648 §6).</summary>
    public string SecretBase32 { get; }

    /// <summary>The Key URI Format understood by authenticator apps: <c>otpauth://totp/…?secret=…</c>.</summary>
    public Uri OtpAuthUri { get; }

    public override string ToString() => $"TOTP enrollment for {Account.Subject} (secret redacted)";
}

/// <summary>The outcome of checking a sign-in's credentials, for the audit trail. Never shown to the person signing in.</summary>
public enum CredentialCheckResult
{
    /// <summary>Identifier, password and one-time code are right.</summary>
    Success,

    /// <summary>The identifier is not an RPPS, ADELI or idNat_PS (bad length, characters or check key).</summary>
    InvalidIdentifier,

    /// <summary>No account has this identifier.</summary>
    UnknownAccount,

    /// <summary>The password is wrong.</summary>
    WrongPassword,

    /// <summary>The password is right but the one-time code is wrong or outside the allowed window.</summary>
    WrongCode,

    /// <summary>The password is right and the code was right, but it (or a later one) was already used.</summary>
    ReplayedCode,

    /// <summary>The password is right but the account is disabled.</summary>
    AccountDisabled,
}

/// <summary>The result of <see cref="IAccountStore.VerifyCredentialsAsync"/>.</summary>
/// <param name="Result">What was found.</param>
/// <param name="Account">The account when <see cref="Result"/> is <see cref="CredentialCheckResult.Success"/>.</param>
/// <param name="Subject">The idNat_PS the identifier designates when it was a valid one (even if no account exists), for the audit.</param>
public sealed record CredentialCheck(CredentialCheckResult Result, ProfessionalAccount? Account, string? Subject)
{
    /// <summary>True when the sign-in may proceed.</summary>
    public bool Succeeded => Result == CredentialCheckResult.Success && Account is not null;
}
