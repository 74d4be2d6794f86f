using System.Globalization;
using Microsoft.Extensions.Logging;
using OpenMss.Core.Identifiers;
using OpenMss.Core.Mail;
using OpenMss.Identity.Accounts;

namespace OpenMss.Identity.SignIn;

internal enum PatientSignInStatus
{
    /// <summary>Password right: a code was sent to the personal address.</summary>
    CodeSent,

    /// <summary>Code right: the patient is signed in.</summary>
    Success,

    Failed,
    LockedOut,
    TooManyCodes,
    MailUnavailable,
}

internal sealed record PatientSignInOutcome(PatientSignInStatus Status, PatientAccount? Account, TimeSpan RetryAfter);

/// <summary>
/// The patient sign-in in two steps: INS and password, then a one-time code sent by e-mail to the
/// personal address chosen at activation. Both steps share the failed sign-in throttle of
/// professionals (the INS counted under a hash), and the audit names the patient by pseudonym.
/// Nothing logged names the INS, the address or the code.
/// </summary>
internal sealed partial class PatientSignInService(PatientAccountStore patients, IInternetMailSender? mail, SignInThrottle throttle, SignInAuditLog audit, ILogger<PatientSignInService> logger)
{
    public PatientAccountStore Patients => patients;

    public async Task<PatientSignInOutcome> CheckPasswordAsync(string ins, string password, string? clientAddress, string? clientId, CancellationToken cancellationToken)
    {
        var (accountKey, addressKey) = Keys(ins, clientAddress);
        if (await throttle.RetryAfterAsync(accountKey, addressKey, cancellationToken).ConfigureAwait(false) is { } wait)
        {
            await audit.RecordAsync(null, clientAddress, clientId, SignInMethods.PatientPassword, "locked", "rate_limited", cancellationToken).ConfigureAwait(false);
            return new PatientSignInOutcome(PatientSignInStatus.LockedOut, null, wait);
        }

        var (account, email) = await patients.VerifyPasswordAsync(ins, password, cancellationToken).ConfigureAwait(false);
        if (account is null)
        {
            await throttle.RecordFailureAsync(accountKey, addressKey, cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync(null, clientAddress, clientId, SignInMethods.PatientPassword, "failure", "wrong_credentials", cancellationToken).ConfigureAwait(false);
            return new PatientSignInOutcome(PatientSignInStatus.Failed, null, TimeSpan.Zero);
        }

        if (mail is null)
        {
            LogNoMailSender(logger);
            return new PatientSignInOutcome(PatientSignInStatus.MailUnavailable, null, TimeSpan.Zero);
        }

        var (code, retryAfter) = await patients.IssueCodeAsync(account, cancellationToken).ConfigureAwait(false);
        if (code is null)
        {
            await audit.RecordAsync(account.Pseudonym, clientAddress, clientId, SignInMethods.PatientPassword, "locked", "too_many_codes", cancellationToken).ConfigureAwait(false);
            return new PatientSignInOutcome(PatientSignInStatus.TooManyCodes, account, retryAfter);
        }

        try
        {
            await mail.SendAsync(CodeMessage(email!, code, patients.Codes.Validity), cancellationToken).ConfigureAwait(false);
        }
        catch (InternetMailException ex)
        {
            LogCodeNotSent(logger, account.Pseudonym, ex.Message);
            return new PatientSignInOutcome(PatientSignInStatus.MailUnavailable, account, TimeSpan.Zero);
        }

        await audit.RecordAsync(account.Pseudonym, clientAddress, clientId, SignInMethods.PatientPassword, "success", "code_sent", cancellationToken).ConfigureAwait(false);
        return new PatientSignInOutcome(PatientSignInStatus.CodeSent, account, TimeSpan.Zero);
    }

    public async Task<PatientSignInOutcome> CheckCodeAsync(string ins, string code, string? clientAddress, string? clientId, CancellationToken cancellationToken)
    {
        var (accountKey, addressKey) = Keys(ins, clientAddress);
        if (await throttle.RetryAfterAsync(accountKey, addressKey, cancellationToken).ConfigureAwait(false) is { } wait)
        {
            await audit.RecordAsync(null, clientAddress, clientId, SignInMethods.PatientCode, "locked", "rate_limited", cancellationToken).ConfigureAwait(false);
            return new PatientSignInOutcome(PatientSignInStatus.LockedOut, null, wait);
        }

        var account = await patients.FindAsync(ins, cancellationToken).ConfigureAwait(false);
        var result = account is { IsActive: true }
            ? await patients.VerifyCodeAsync(account, code, cancellationToken).ConfigureAwait(false)
            : PatientCodeResult.NoCode;
        if (result == PatientCodeResult.Success)
        {
            await throttle.RecordSuccessAsync(accountKey, cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync(account!.Pseudonym, clientAddress, clientId, SignInMethods.PatientCode, "success", "ok", cancellationToken).ConfigureAwait(false);
            return new PatientSignInOutcome(PatientSignInStatus.Success, account, TimeSpan.Zero);
        }

        await throttle.RecordFailureAsync(accountKey, addressKey, cancellationToken).ConfigureAwait(false);
        var reason = result switch
        {
            PatientCodeResult.Expired => "expired_code",
            PatientCodeResult.Wrong => "wrong_code",
            _ => "no_code",
        };
        await audit.RecordAsync(account?.Pseudonym, clientAddress, clientId, SignInMethods.PatientCode, "failure", reason, cancellationToken).ConfigureAwait(false);
        return new PatientSignInOutcome(PatientSignInStatus.Failed, null, TimeSpan.Zero);
    }

    /// <summary>
    /// The code mail, in French: the code, how long it is valid, Mon espace santé; nothing else (no
    /// INS, no name, no health data), since it travels over the ordinary Internet.
    /// </summary>
    internal static InternetMailMessage CodeMessage(string to, string code, TimeSpan validity)
    {
        var minutes = Math.Max(1, (int)Math.Round(validity.TotalMinutes));
        var duration = minutes.ToString(CultureInfo.InvariantCulture) + (minutes > 1 ? " minutes" : " minute");
        var body = $"""
            Bonjour,

            Votre code de connexion à Mon espace santé est : {code}

            Ce code est valable {duration} et ne sert qu’une fois. Ne le communiquez à personne.
            Si vous n’avez pas demandé à vous connecter, ignorez ce message.

            Mon espace santé
            """;
        return new InternetMailMessage(to, "Votre code de connexion à Mon espace santé", body.Replace("\n", "\r\n", StringComparison.Ordinal));
    }

    private static (string Account, string Address) Keys(string ins, string? clientAddress)
    {
        // Counted under a hash of the INS (as mistyped identifiers are), so the counters table holds no INS.
        var normalized = InsMatricule.TryParse(ins, out var parsed, out _) ? parsed.Value : ins;
        return (SignInThrottle.AccountKey(null, "patient:" + normalized), SignInThrottle.AddressKey(clientAddress));
    }

    [LoggerMessage(EventId = 4030, Level = LogLevel.Error, Message = "Patient sign-in impossible: no Internet mail sender is configured for the one-time codes")]
    private static partial void LogNoMailSender(ILogger logger);

    [LoggerMessage(EventId = 4031, Level = LogLevel.Warning, Message = "One-time code for patient {Pseudonym} not sent: {Reason}")]
    private static partial void LogCodeNotSent(ILogger logger, string pseudonym, string reason);
}
