namespace OpenMss.Identity;

/// <summary>
/// An application registered with the identity provider (an OAuth 2.0 client, RFC 6749 §2):
/// public (no secret: mail clients, browser apps with PKCE) or confidential (with a secret: the
/// operator's web app, services). The flows it may use are opt-in.
/// </summary>
public sealed class IdentityClient
{
    /// <summary>The <c>client_id</c>.</summary>
    public required string ClientId { get; init; }

    /// <summary>The secret of a confidential client; null for a public client.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>Shown on the sign-in page (« Connexion à … »). Defaults to the client id.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Redirect URIs of the authorization code flow (exact match). None: no code flow.</summary>
    public IList<Uri> RedirectUris { get; init; } = [];

    /// <summary>Where the end-session endpoint may send the browser back after sign-out.</summary>
    public IList<Uri> PostLogoutRedirectUris { get; init; } = [];

    /// <summary>
    /// May use the resource owner password grant (RFC 6749 §4.3) with the one-time code in the
    /// <c>otp</c> form field: for mail clients, scripts and tests that cannot open a browser.
    /// </summary>
    public bool AllowPasswordGrant { get; init; }

    /// <summary>May use the client credentials grant (RFC 6749 §4.4); confidential clients only.</summary>
    public bool AllowClientCredentials { get; init; }

    /// <summary>
    /// A mail resource server (IMAP, submission) that may ask the introspection endpoint (RFC 7662)
    /// whether an access token of the <see cref="IdentityProtocol.MailAudience"/> audience is still
    /// active, e.g. with <see cref="Validation.AccessTokenValidatorOptions.IntrospectionClientId"/>.
    /// Confidential clients only.
    /// </summary>
    public bool AllowIntrospection { get; init; }

    /// <summary>May get refresh tokens (scope <c>offline_access</c>). Default true.</summary>
    public bool AllowRefreshTokens { get; init; } = true;

    public override string ToString() => ClientSecret is null ? $"{ClientId} (public)" : $"{ClientId} (confidential)";
}
