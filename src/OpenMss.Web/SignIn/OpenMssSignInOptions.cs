using System.Security.Cryptography.X509Certificates;

namespace OpenMss.Web.SignIn;

/// <summary>
/// How a web app signs its users in against the identity provider (OpenID Connect Core 1.0,
/// authorization code flow with PKCE, RFC 7636) and keeps them signed in (a cookie session).
/// </summary>
public sealed class OpenMssSignInOptions
{
    /// <summary>The issuer (<c>https://…/</c>); its discovery document is read from <c>.well-known/openid-configuration</c>.</summary>
    public required Uri Authority { get; init; }

    /// <summary>The trust space's root: the issuer's certificate must chain to it (no system roots, no exception).</summary>
    public required X509Certificate2 TrustAnchor { get; init; }

    /// <summary>The app's client id at the identity provider.</summary>
    public required string ClientId { get; init; }

    /// <summary>Its secret, for a confidential client; null for a public one (PKCE alone).</summary>
    public string? ClientSecret { get; init; }

    /// <summary>Scopes asked for, besides <c>openid</c>. Default <c>profile</c>.</summary>
    public IReadOnlyList<string> Scopes { get; init; } = ["profile"];

    /// <summary>Where the identity provider sends the browser back with the code. Default <c>/signin-oidc</c>.</summary>
    public string CallbackPath { get; init; } = "/signin-oidc";

    /// <summary>The session cookie's name (distinct per app sharing a host).</summary>
    public string CookieName { get; init; } = "openmss_session";

    /// <summary>How long a session lasts, not extended by activity. Default 8 hours (a working day).</summary>
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromHours(8);

    /// <summary>Keeps the access and refresh tokens in the (encrypted) session cookie, for apps that call APIs on the user's behalf.</summary>
    public bool SaveTokens { get; init; }
}
