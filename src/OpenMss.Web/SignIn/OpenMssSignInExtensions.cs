using System.Net.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using OpenMss.Trust;
using OpenMss.Web.Hosting;

namespace OpenMss.Web.SignIn;

/// <summary>
/// Cookie and OpenID Connect sign-in against the identity provider, for the web apps: the
/// authorization code flow with PKCE (RFC 7636), the code returned in the query, claims named as the
/// provider names them (<c>sub</c>, <c>name</c>, <c>rpps</c>), a session cookie that is HttpOnly,
/// Secure and SameSite=Lax, and a backchannel (discovery, JWKS, token endpoint) that trusts the
/// trust space's root only.
/// </summary>
public static class OpenMssSignInExtensions
{
    /// <summary>Adds the cookie and OpenID Connect schemes; unauthenticated users are sent to the provider.</summary>
    public static AuthenticationBuilder AddOpenMssSignIn(this WebApplicationBuilder builder, OpenMssSignInOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Authority.IsAbsoluteUri || options.Authority.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException("The identity provider is reached over HTTPS only.", nameof(options));
        }

        // The session cookie is protected by the DataProtection key ring: without a folder of its
        // own the framework would keep the keys, unencrypted, under $HOME/.aspnet.
        var web = builder.Services.LastOrDefault(d => d.ServiceType == typeof(OpenMssWebOptions))?.ImplementationInstance as OpenMssWebOptions;
        if (web?.DataProtectionKeysDirectory is null)
        {
            throw new InvalidOperationException("Call AddOpenMssWeb with a DataProtectionKeysDirectory before AddOpenMssSignIn.");
        }

        var validator = new TrustValidator(options.TrustAnchor);
        var authorityHost = options.Authority.IdnHost;
        builder.Services.AddAuthorization();
        return builder.Services
            .AddAuthentication(authentication =>
            {
                authentication.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                authentication.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = options.CookieName;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.Always;
                // Lax, not Strict: the browser comes back from the provider by a top-level navigation.
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.ExpireTimeSpan = options.SessionLifetime;
                cookie.SlidingExpiration = false;
            })
            .AddOpenIdConnect(oidc =>
            {
                oidc.Authority = options.Authority.AbsoluteUri;
                oidc.RequireHttpsMetadata = true;
                oidc.ClientId = options.ClientId;
                oidc.ClientSecret = options.ClientSecret;
                oidc.ResponseType = OpenIdConnectResponseType.Code;
                oidc.ResponseMode = OpenIdConnectResponseMode.Query;
                oidc.UsePkce = true;
                oidc.CallbackPath = options.CallbackPath;
                oidc.SaveTokens = options.SaveTokens;
                oidc.MapInboundClaims = false;
                oidc.TokenValidationParameters.NameClaimType = "name";
                oidc.Scope.Clear();
                oidc.Scope.Add("openid");
                foreach (var scope in options.Scopes)
                {
                    oidc.Scope.Add(scope);
                }

                // The correlation and nonce cookies come back with a top-level GET (query response mode).
                oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
                oidc.CorrelationCookie.SecurePolicy = CookieSecurePolicy.Always;
                oidc.NonceCookie.SameSite = SameSiteMode.Lax;
                oidc.NonceCookie.SecurePolicy = CookieSecurePolicy.Always;
                oidc.BackchannelHttpHandler = new SocketsHttpHandler
                {
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                    ConnectTimeout = TimeSpan.FromSeconds(10),
                    SslOptions = new SslClientAuthenticationOptions
                    {
                        EnabledSslProtocols = TlsSettings.Protocols,
                        RemoteCertificateValidationCallback = TlsSettings.ServerCertificateCallback(validator, authorityHost),
                    },
                };
            });
    }
}
