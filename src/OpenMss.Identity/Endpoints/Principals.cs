using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenMss.Identity.Accounts;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMss.Identity.Endpoints;

/// <summary>
/// Builds what the tokens say about a professional: <c>sub</c> = idNat_PS, <c>name</c>, <c>rpps</c>
/// (or <c>adeli</c>), the granted scopes, and the <c>openmss-mail</c> audience when <c>mail</c> is granted;
/// about a patient: <c>sub</c> = <c>ins</c> = the INS matricule and the <c>openmss-patient-mail</c>
/// audience for <c>patient-mail</c>. The two kinds never share a scope or an audience.
/// </summary>
internal static class Principals
{
    public static ClaimsPrincipal ForAccount(ProfessionalAccount account, IEnumerable<string> requestedScopes)
    {
        var identity = NewIdentity();
        identity.SetClaim(Claims.Subject, account.Subject);
        identity.SetClaim(Claims.Name, account.DisplayName);
        if (account.Rpps is not null)
        {
            identity.SetClaim(IdentityProtocol.RppsClaim, account.Rpps);
        }

        if (account.Adeli is not null)
        {
            identity.SetClaim(IdentityProtocol.AdeliClaim, account.Adeli);
        }

        // A professional never gets the patients' scope, whatever the client asked.
        return Finish(identity, requestedScopes.Where(s => s != IdentityProtocol.PatientMailScope));
    }

    /// <summary>A patient: <c>sub</c> and <c>ins</c> = the INS matricule, and only the patient scopes (never <c>mail</c>).</summary>
    public static ClaimsPrincipal ForPatient(PatientAccount account, IEnumerable<string> requestedScopes)
    {
        var identity = NewIdentity();
        identity.SetClaim(Claims.Subject, account.Ins);
        identity.SetClaim(IdentityProtocol.InsClaim, account.Ins);
        return Finish(identity, requestedScopes.Where(s => s != IdentityProtocol.MailScope));
    }

    public static ClaimsPrincipal ForClient(string clientId, string? displayName, IEnumerable<string> requestedScopes)
    {
        var identity = NewIdentity();
        identity.SetClaim(Claims.Subject, clientId);
        identity.SetClaim(Claims.Name, displayName ?? clientId);
        return Finish(identity, requestedScopes.Where(s => s is not Scopes.OfflineAccess and not Scopes.OpenId and not IdentityProtocol.PatientMailScope));
    }

    private static ClaimsIdentity NewIdentity() =>
        new(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);

    private static ClaimsPrincipal Finish(ClaimsIdentity identity, IEnumerable<string> requestedScopes)
    {
        var scopes = requestedScopes.Where(IdentityProtocol.SupportedScopes.Contains).Distinct(StringComparer.Ordinal).ToList();
        identity.SetScopes(scopes);
        if (scopes.Contains(IdentityProtocol.MailScope))
        {
            identity.SetResources(IdentityProtocol.MailAudience);
        }
        else if (scopes.Contains(IdentityProtocol.PatientMailScope))
        {
            identity.SetResources(IdentityProtocol.PatientMailAudience);
        }

        var profile = scopes.Contains(Scopes.Profile);
        identity.SetDestinations(claim => claim.Type switch
        {
            Claims.Subject or IdentityProtocol.InsClaim => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Name or IdentityProtocol.RppsClaim or IdentityProtocol.AdeliClaim when profile => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Name or IdentityProtocol.RppsClaim or IdentityProtocol.AdeliClaim => [Destinations.AccessToken],
            _ => [],
        });
        return new ClaimsPrincipal(identity);
    }
}
