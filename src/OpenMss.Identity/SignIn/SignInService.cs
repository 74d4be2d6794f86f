using OpenMss.Identity.Accounts;

namespace OpenMss.Identity.SignIn;

internal enum SignInStatus
{
    Success,
    Failed,
    LockedOut,
}

internal sealed record SignInOutcome(SignInStatus Status, ProfessionalAccount? Account, TimeSpan RetryAfter);

/// <summary>The texts a person signing in reads (French), from one place.</summary>
internal static class SignInMessages
{
    /// <summary>The same text whichever factor was wrong, and for an unknown identifier.</summary>
    public const string InvalidCredentials = "Identifiant, mot de passe ou code incorrect.";

    public const string MissingFields = "Renseignez l’identifiant RPPS, le mot de passe et le code à usage unique.";

    public const string ExpiredForm = "Le formulaire a expiré. Veuillez réessayer.";

    public const string AccountUnavailable = "Ce compte n’est plus disponible.";

    /// <summary>The same text for an unknown INS, a wrong password and an account not activated or closed.</summary>
    public const string PatientInvalidCredentials = "Matricule INS ou mot de passe incorrect, ou compte non activé.";

    public const string PatientMissingFields = "Renseignez votre matricule INS et votre mot de passe.";

    public const string PatientInvalidCode = "Code incorrect ou expiré. Recommencez la connexion pour recevoir un nouveau code.";

    public const string PatientMailUnavailable = "Le code de connexion n’a pas pu être envoyé. Réessayez plus tard.";

    public static string TooManyCodes(TimeSpan retryAfter)
    {
        var minutes = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalMinutes));
        return $"Trop de codes envoyés. Réessayez dans {minutes} minute{(minutes > 1 ? "s" : string.Empty)}.";
    }

    public static string LockedOut(TimeSpan retryAfter)
    {
        var minutes = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalMinutes));
        return $"Trop de tentatives de connexion échouées. Réessayez dans {minutes} minute{(minutes > 1 ? "s" : string.Empty)}.";
    }
}

/// <summary>
/// One sign-in attempt, whichever way it comes (sign-in page or password grant): rate limit first,
/// then identifier + password + one-time code, then the audit. The caller shows one generic error
/// for every failure; the audit keeps the precise reason.
/// </summary>
internal sealed class SignInService(IAccountStore accounts, SignInThrottle throttle, SignInAuditLog audit)
{
    public SignInAuditLog Audit => audit;

    public SignInThrottle Throttle => throttle;

    public async Task<SignInOutcome> SignInAsync(string? identifier, string? password, string? oneTimeCode, string? clientAddress, string? clientId, string method, CancellationToken cancellationToken)
    {
        string? subject = ProfessionalIdentifiers.TryParse(identifier, out var parsed, out _) ? parsed.Value : null;
        var accountKey = SignInThrottle.AccountKey(subject, identifier);
        var addressKey = SignInThrottle.AddressKey(clientAddress);

        if (await throttle.RetryAfterAsync(accountKey, addressKey, cancellationToken).ConfigureAwait(false) is { } wait)
        {
            await audit.RecordAsync(subject, clientAddress, clientId, method, "locked", "rate_limited", cancellationToken).ConfigureAwait(false);
            return new SignInOutcome(SignInStatus.LockedOut, null, wait);
        }

        var check = await accounts.VerifyCredentialsAsync(identifier ?? string.Empty, password ?? string.Empty, oneTimeCode ?? string.Empty, cancellationToken).ConfigureAwait(false);
        if (check.Succeeded)
        {
            await throttle.RecordSuccessAsync(accountKey, cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync(check.Account!.Subject, clientAddress, clientId, method, "success", "ok", cancellationToken).ConfigureAwait(false);
            return new SignInOutcome(SignInStatus.Success, check.Account, TimeSpan.Zero);
        }

        await throttle.RecordFailureAsync(accountKey, addressKey, cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(check.Subject ?? subject, clientAddress, clientId, method, "failure", ReasonCode(check.Result), cancellationToken).ConfigureAwait(false);
        return new SignInOutcome(SignInStatus.Failed, null, TimeSpan.Zero);
    }

    private static string ReasonCode(CredentialCheckResult result) => result switch
    {
        CredentialCheckResult.InvalidIdentifier => "invalid_identifier",
        CredentialCheckResult.UnknownAccount => "unknown_account",
        CredentialCheckResult.WrongPassword => "wrong_password",
        CredentialCheckResult.WrongCode => "wrong_code",
        CredentialCheckResult.ReplayedCode => "replayed_code",
        CredentialCheckResult.AccountDisabled => "account_disabled",
        _ => "failure",
    };
}
