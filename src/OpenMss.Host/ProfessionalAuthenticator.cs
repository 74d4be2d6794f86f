using Microsoft.Extensions.Logging;
using OpenMss.Core;
using IAccountStore = OpenMss.Identity.Accounts.IAccountStore;
using ProfessionalAccount = OpenMss.Identity.Accounts.ProfessionalAccount;
using OpenMss.Identity.Validation;
using OpenMss.Smtp.Inbound.Submission;
using OpenMss.Storage;

namespace OpenMss.Host;

/// <summary>
/// Checks a professional's credentials for the mail servers: an access token from the identity
/// provider (OAUTHBEARER/XOAUTH2, validated against its signing keys), or, where the
/// configuration allows it, the password of the provider's account. The identity is the
/// idNat_PS; the personal address is the PER mailbox this operator hosts for that person.
/// </summary>
public sealed class ProfessionalAuthenticator(
    IMailboxStore store,
    AccessTokenValidator? tokens,
    IAccountStore? accounts,
    bool allowPasswords,
    ILogger<ProfessionalAuthenticator> logger) : ISubmissionAuthenticator
{
    public bool AllowsPasswords => allowPasswords && accounts is not null;

    public async ValueTask<CredentialCheck> CheckPasswordAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        if (!AllowsPasswords)
        {
            return CredentialCheck.Invalid;
        }

        ProfessionalAccount? account;
        try
        {
            account = await accounts!.VerifyPasswordAsync(userName, password, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "The account store could not check a password");
            return CredentialCheck.Unavailable;
        }

        return account is null
            ? CredentialCheck.Invalid
            : CredentialCheck.Valid(account.Subject, account.DisplayName, await PersonalAddressAsync(account.Subject, cancellationToken));
    }

    public async ValueTask<CredentialCheck> CheckTokenAsync(string token, string? userName, CancellationToken cancellationToken = default)
    {
        if (tokens is null)
        {
            return CredentialCheck.Invalid;
        }

        var check = await tokens.ValidateAsync(token, cancellationToken);
        if (check.IssuerUnavailable)
        {
            // The identity provider is down: 454 / [UNAVAILABLE], not a failure that locks the client out.
            logger.LogWarning("Access token not checked: {Reason}", check.Failure);
            return CredentialCheck.Unavailable;
        }

        if (!check.IsValid || check.Subject is null)
        {
            logger.LogInformation("Access token refused: {Reason}", check.Failure);
            return CredentialCheck.Invalid;
        }

        return CredentialCheck.Valid(check.Subject, check.Name, await PersonalAddressAsync(check.Subject, cancellationToken));
    }

    private async Task<string?> PersonalAddressAsync(string idNatPs, CancellationToken cancellationToken) =>
        (await store.FindMailboxesByOwnerAsync(idNatPs, cancellationToken))
            .FirstOrDefault(m => m.Kind == MailboxKind.Personal)
            ?.Address;
}
