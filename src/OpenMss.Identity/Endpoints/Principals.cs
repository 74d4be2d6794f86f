using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenMss.Identity.Accounts;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMss.Identity.Endpoints;

/// <summary>
/// Builds what the tokens say about a professional: <c>sub</c> = idNat_PS, <c>name</c>, <c>rpps</c>
/// (or <c>adeli</c>), the granted scopes, and the <c>openmss-mail</c> audience when <c>mail</c> is granted.
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

        return Finish(identity, requestedScopes);
    }

    public static ClaimsPrincipal ForClient(string clientId, string? displayName, IEnumerable<string> requestedScopes)
    {
        var identity = NewIdentity();
        identity.SetClaim(Claims.Subject, clientId);
        identity.SetClaim(Claims.Name, displayName ?? clientId);
        return Finish(identity, requestedScopes.Where(s => s is not Scopes.OfflineAccess and not Scopes.OpenId));
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

        var profile = scopes.Contains(Scopes.Profile);
        identity.SetDestinations(claim => claim.Type switch
        {
            Claims.Subject => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Name or IdentityProtocol.RppsClaim or IdentityProtocol.AdeliClaim when profile => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Name or IdentityProtocol.RppsClaim or IdentityProtocol.AdeliClaim => [Destinations.AccessToken],
            _ => [],
        });
        return new ClaimsPrincipal(identity);
    }
}
