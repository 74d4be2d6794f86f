using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using OpenMss.Identity.Accounts;
using OpenMss.Identity.SignIn;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMss.Identity.Endpoints;

/// <summary>
/// The passthrough endpoints of the OpenID Connect server: OpenIddict validates each request
/// (client, redirect URI, PKCE, grant permissions) before it reaches these handlers, which decide
/// who is signed in. Discovery (<c>/.well-known/openid-configuration</c>) and the JWKS
/// (<c>/.well-known/jwks</c>) are served by OpenIddict itself.
/// </summary>
internal sealed class OidcEndpoints(SignInService signIn, IAccountStore accounts, PatientAccountStore patients, IAntiforgery antiforgery, SessionSettings session, TimeProvider time)
{
    private const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    private const string ServerScheme = OpenIddictServerAspNetCoreDefaults.AuthenticationScheme;

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapMethods(IdentityProtocol.AuthorizationPath, [HttpMethods.Get, HttpMethods.Post],
            (HttpContext http, OidcEndpoints endpoints) => endpoints.AuthorizeAsync(http));
        routes.MapPost(IdentityProtocol.SignInPath, (HttpContext http, OidcEndpoints endpoints) => endpoints.SignInAsync(http));
        routes.MapPost(IdentityProtocol.PatientSignInPath, (HttpContext http, PatientSignInEndpoints endpoints) => endpoints.PasswordAsync(http));
        routes.MapPost(IdentityProtocol.PatientCodePath, (HttpContext http, PatientSignInEndpoints endpoints) => endpoints.CodeAsync(http));
        routes.MapPost(IdentityProtocol.TokenPath, (HttpContext http, OidcEndpoints endpoints) => endpoints.TokenAsync(http));
        routes.MapMethods(IdentityProtocol.UserInfoPath, [HttpMethods.Get, HttpMethods.Post],
            (HttpContext http, OidcEndpoints endpoints) => endpoints.UserInfoAsync(http));
        routes.MapMethods(IdentityProtocol.EndSessionPath, [HttpMethods.Get, HttpMethods.Post],
            (HttpContext http) => EndSessionAsync(http));
        routes.MapGet("/", (HttpContext http) => SignInPage.WriteMessageAsync(http, "OpenMSS – identification",
            "Service d’identification des professionnels de santé (RPPS, mot de passe et code e-CPS).", StatusCodes.Status200OK));
        routes.MapGet("/health", () => Results.Text("ok"));
    }

    /// <summary>
    /// Authorization endpoint (OpenID Connect Core §3.1.2): issues the code when the browser has a
    /// sign-in session, otherwise shows the sign-in page.
    /// </summary>
    private async Task AuthorizeAsync(HttpContext http)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");

        // A patient scope asks for a patient sign-in; a session of the other kind does not count.
        var forPatient = request.HasScope(IdentityProtocol.PatientMailScope);
        var cookie = await http.AuthenticateAsync(CookieScheme).ConfigureAwait(false);
        var signedIn = cookie.Succeeded && cookie.Principal is not null
            && cookie.Principal.HasClaim(IdentityProtocol.AccountKindClaim, IdentityProtocol.PatientKind) == forPatient;
        if (signedIn && request.MaxAge is { } maxAge && cookie.Properties?.IssuedUtc is { } issued
            && time.GetUtcNow() - issued > TimeSpan.FromSeconds(maxAge))
        {
            signedIn = false;
        }

        if (!signedIn || request.HasPromptValue(PromptValues.Login))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                await ForbidAsync(http, Errors.LoginRequired, "L’utilisateur n’est pas connecté.").ConfigureAwait(false);
                return;
            }

            var clientName = await ClientNameAsync(http, request.ClientId).ConfigureAwait(false);
            if (forPatient)
            {
                await PatientSignInPage.WritePasswordStepAsync(http, antiforgery, ReturnQuery(http), clientName, error: null).ConfigureAwait(false);
                return;
            }

            await SignInPage.WriteAsync(http, antiforgery, ReturnQuery(http), clientName, error: null, identifier: null).ConfigureAwait(false);
            return;
        }

        var subject = cookie.Principal!.FindFirst(Claims.Subject)?.Value;
        if (forPatient)
        {
            var patient = subject is null ? null : await patients.FindAsync(subject, http.RequestAborted).ConfigureAwait(false);
            if (patient is not { IsActive: true })
            {
                await http.SignOutAsync(CookieScheme).ConfigureAwait(false);
                var clientName = await ClientNameAsync(http, request.ClientId).ConfigureAwait(false);
                await PatientSignInPage.WritePasswordStepAsync(http, antiforgery, ReturnQuery(http), clientName, SignInMessages.AccountUnavailable).ConfigureAwait(false);
                return;
            }

            await Results.SignIn(Principals.ForPatient(patient, request.GetScopes()), authenticationScheme: ServerScheme).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        var account = subject is null ? null : await accounts.FindAsync(subject, http.RequestAborted).ConfigureAwait(false);
        if (account is not { IsEnabled: true })
        {
            await http.SignOutAsync(CookieScheme).ConfigureAwait(false);
            var clientName = await ClientNameAsync(http, request.ClientId).ConfigureAwait(false);
            await SignInPage.WriteAsync(http, antiforgery, ReturnQuery(http), clientName, SignInMessages.AccountUnavailable, identifier: null).ConfigureAwait(false);
            return;
        }

        await Results.SignIn(Principals.ForAccount(account, request.GetScopes()), authenticationScheme: ServerScheme).ExecuteAsync(http).ConfigureAwait(false);
    }

    /// <summary>The sign-in form: checks the antiforgery token and the three factors, then returns to the authorization endpoint.</summary>
    private async Task SignInAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType)
        {
            await SignInPage.WriteMessageAsync(http, "Requête invalide", SignInMessages.ExpiredForm, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var returnQuery = form[SignInPage.ReturnField].ToString();
        if (!IsValidReturnQuery(returnQuery))
        {
            await SignInPage.WriteMessageAsync(http, "Requête invalide", SignInMessages.ExpiredForm, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        var clientId = QueryHelpers.ParseQuery(returnQuery).TryGetValue(Parameters.ClientId, out var ids) ? ids.ToString() : null;
        var clientName = await ClientNameAsync(http, clientId).ConfigureAwait(false);
        var identifier = form[SignInPage.IdentifierField].ToString().Trim();

        try
        {
            await antiforgery.ValidateRequestAsync(http).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            await SignInPage.WriteAsync(http, antiforgery, returnQuery, clientName, SignInMessages.ExpiredForm, identifier, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        var password = form[SignInPage.PasswordField].ToString();
        var code = form[SignInPage.CodeField].ToString();
        if (identifier.Length == 0 || password.Length == 0 || code.Length == 0)
        {
            await SignInPage.WriteAsync(http, antiforgery, returnQuery, clientName, SignInMessages.MissingFields, identifier, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        var outcome = await signIn.SignInAsync(identifier, password, code, ClientAddress(http), clientId, SignInMethods.SignInPage, http.RequestAborted).ConfigureAwait(false);
        switch (outcome.Status)
        {
            case SignInStatus.LockedOut:
                http.Response.Headers.RetryAfter = RetryAfterSeconds(outcome.RetryAfter);
                await SignInPage.WriteAsync(http, antiforgery, returnQuery, clientName, SignInMessages.LockedOut(outcome.RetryAfter), identifier, StatusCodes.Status429TooManyRequests).ConfigureAwait(false);
                return;
            case SignInStatus.Failed:
                await SignInPage.WriteAsync(http, antiforgery, returnQuery, clientName, SignInMessages.InvalidCredentials, identifier, StatusCodes.Status401Unauthorized).ConfigureAwait(false);
                return;
        }

        var account = outcome.Account!;
        var identity = new ClaimsIdentity(CookieScheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, account.Subject));
        identity.AddClaim(new Claim(Claims.Name, account.DisplayName));
        await StartSessionAsync(http, identity, time, session, returnQuery).ConfigureAwait(false);
    }

    /// <summary>Signs the browser in (the session cookie) and sends it back to the authorization endpoint.</summary>
    internal static async Task StartSessionAsync(HttpContext http, ClaimsIdentity identity, TimeProvider time, SessionSettings session, string returnQuery)
    {
        var now = time.GetUtcNow();
        await http.SignInAsync(CookieScheme, new ClaimsPrincipal(identity), new AuthenticationProperties
        {
            IsPersistent = false,
            IssuedUtc = now,
            ExpiresUtc = now + session.Lifetime,
        }).ConfigureAwait(false);

        // The path is fixed and only the query comes from the form: no open redirect.
        http.Response.StatusCode = StatusCodes.Status303SeeOther;
        http.Response.Headers.Location = IdentityProtocol.AuthorizationPath + returnQuery;
    }

    /// <summary>Token endpoint (RFC 6749 §3.2): password, authorization code, refresh token and client credentials grants.</summary>
    private async Task TokenAsync(HttpContext http)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");

        if (request.IsPasswordGrantType())
        {
            // otp and username were masked in the parsed request (OneTimeCodeRedaction); the form has them.
            var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            var code = form[IdentityProtocol.OneTimeCodeParameter].ToString();
            var username = form[Parameters.Username].ToString();
            var outcome = await signIn.SignInAsync(username, request.Password, code, ClientAddress(http), request.ClientId, SignInMethods.PasswordGrant, http.RequestAborted).ConfigureAwait(false);
            switch (outcome.Status)
            {
                case SignInStatus.LockedOut:
                    http.Response.Headers.RetryAfter = RetryAfterSeconds(outcome.RetryAfter);
                    await ForbidAsync(http, Errors.InvalidGrant, SignInMessages.LockedOut(outcome.RetryAfter)).ConfigureAwait(false);
                    return;
                case SignInStatus.Failed:
                    await ForbidAsync(http, Errors.InvalidGrant, SignInMessages.InvalidCredentials).ConfigureAwait(false);
                    return;
            }

            await Results.SignIn(Principals.ForAccount(outcome.Account!, request.GetScopes()), authenticationScheme: ServerScheme).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            var result = await http.AuthenticateAsync(ServerScheme).ConfigureAwait(false);
            var subject = result.Principal?.GetClaim(Claims.Subject);
            if (result.Principal?.GetClaim(IdentityProtocol.InsClaim) is { } ins)
            {
                await PatientTokenAsync(http, request, result.Principal, ins).ConfigureAwait(false);
                return;
            }

            var account = subject is null ? null : await accounts.FindAsync(subject, http.RequestAborted).ConfigureAwait(false);
            if (request.IsRefreshTokenGrantType())
            {
                await signIn.Audit.RecordAsync(subject, ClientAddress(http), request.ClientId, SignInMethods.RefreshToken,
                    account is { IsEnabled: true } ? "success" : "failure",
                    account is null ? "account_deleted" : account.IsEnabled ? "ok" : "account_disabled", http.RequestAborted).ConfigureAwait(false);
            }

            if (account is not { IsEnabled: true })
            {
                await ForbidAsync(http, Errors.InvalidGrant, SignInMessages.AccountUnavailable).ConfigureAwait(false);
                return;
            }

            // Rebuilt from the account so a changed name reaches the new tokens; scopes stay those granted.
            await Results.SignIn(Principals.ForAccount(account, result.Principal!.GetScopes()), authenticationScheme: ServerScheme).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        if (request.IsClientCredentialsGrantType())
        {
            var applications = http.RequestServices.GetRequiredService<IOpenIddictApplicationManager>();
            var application = await applications.FindByClientIdAsync(request.ClientId!, http.RequestAborted).ConfigureAwait(false)
                ?? throw new InvalidOperationException("The client was authenticated but cannot be found.");
            var displayName = await applications.GetDisplayNameAsync(application, http.RequestAborted).ConfigureAwait(false);
            await signIn.Audit.RecordAsync(request.ClientId, ClientAddress(http), request.ClientId, SignInMethods.ClientCredentials, "success", "ok", http.RequestAborted).ConfigureAwait(false);
            await Results.SignIn(Principals.ForClient(request.ClientId!, displayName, request.GetScopes()), authenticationScheme: ServerScheme).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        await ForbidAsync(http, Errors.UnsupportedGrantType, "Type d’autorisation non pris en charge.").ConfigureAwait(false);
    }

    /// <summary>A patient's code or refresh token: refused once the account is disabled; the audit names the pseudonym.</summary>
    private async Task PatientTokenAsync(HttpContext http, OpenIddictRequest request, ClaimsPrincipal principal, string ins)
    {
        var patient = await patients.FindAsync(ins, http.RequestAborted).ConfigureAwait(false);
        if (request.IsRefreshTokenGrantType())
        {
            await signIn.Audit.RecordAsync(patient?.Pseudonym, ClientAddress(http), request.ClientId, SignInMethods.RefreshToken,
                patient is { IsActive: true } ? "success" : "failure",
                patient is null ? "account_deleted" : patient.IsActive ? "ok" : "account_disabled", http.RequestAborted).ConfigureAwait(false);
        }

        if (patient is not { IsActive: true })
        {
            await ForbidAsync(http, Errors.InvalidGrant, SignInMessages.AccountUnavailable).ConfigureAwait(false);
            return;
        }

        await Results.SignIn(Principals.ForPatient(patient, principal.GetScopes()), authenticationScheme: ServerScheme).ExecuteAsync(http).ConfigureAwait(false);
    }

    /// <summary>UserInfo endpoint (OpenID Connect Core §5.3).</summary>
    private async Task UserInfoAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(ServerScheme).ConfigureAwait(false);
        var subject = result.Principal?.GetClaim(Claims.Subject);
        if (result.Principal?.GetClaim(IdentityProtocol.InsClaim) is { } ins)
        {
            var patient = await patients.FindAsync(ins, http.RequestAborted).ConfigureAwait(false);
            if (patient is not { IsActive: true })
            {
                await Results.Challenge(Properties(Errors.InvalidToken, "Le jeton ne désigne plus un compte."), [ServerScheme]).ExecuteAsync(http).ConfigureAwait(false);
                return;
            }

            await Results.Json(new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = patient.Ins, [IdentityProtocol.InsClaim] = patient.Ins }).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        var account = subject is null ? null : await accounts.FindAsync(subject, http.RequestAborted).ConfigureAwait(false);
        if (account is not { IsEnabled: true })
        {
            await Results.Challenge(Properties(Errors.InvalidToken, "Le jeton ne désigne plus un compte."), [ServerScheme]).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = account.Subject };
        if (result.Principal!.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = account.DisplayName;
            if (account.Rpps is not null)
            {
                claims[IdentityProtocol.RppsClaim] = account.Rpps;
            }

            if (account.Adeli is not null)
            {
                claims[IdentityProtocol.AdeliClaim] = account.Adeli;
            }
        }

        await Results.Json(claims).ExecuteAsync(http).ConfigureAwait(false);
    }

    /// <summary>End-session endpoint (OpenID Connect RP-Initiated Logout): ends the browser's sign-in session.</summary>
    private static async Task EndSessionAsync(HttpContext http)
    {
        await http.SignOutAsync(CookieScheme).ConfigureAwait(false);
        await Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [ServerScheme]).ExecuteAsync(http).ConfigureAwait(false);
    }

    private static Task ForbidAsync(HttpContext http, string error, string description) =>
        Results.Forbid(Properties(error, description), [ServerScheme]).ExecuteAsync(http);

    private static AuthenticationProperties Properties(string error, string description) => new(new Dictionary<string, string?>
    {
        [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
        [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
    });

    private static async Task<string?> ClientNameAsync(HttpContext http, string? clientId)
    {
        if (string.IsNullOrEmpty(clientId))
        {
            return null;
        }

        var applications = http.RequestServices.GetRequiredService<IOpenIddictApplicationManager>();
        var application = await applications.FindByClientIdAsync(clientId, http.RequestAborted).ConfigureAwait(false);
        return application is null ? null : await applications.GetDisplayNameAsync(application, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// The authorization request as a query string, from the HTTP request itself (GET query or POST
    /// form), without <c>prompt=login</c> so that coming back after the form does not ask again.
    /// </summary>
    private static string ReturnQuery(HttpContext http)
    {
        IEnumerable<KeyValuePair<string, StringValues>> parameters = HttpMethods.IsPost(http.Request.Method) && http.Request.HasFormContentType
            ? http.Request.Form
            : http.Request.Query;
        var query = new QueryBuilder();
        foreach (var (name, values) in parameters)
        {
            if (name == Parameters.Prompt)
            {
                var kept = string.Join(' ', values.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(v => v != PromptValues.Login));
                if (kept.Length > 0)
                {
                    query.Add(name, kept);
                }

                continue;
            }

            foreach (var value in values)
            {
                query.Add(name, value ?? string.Empty);
            }
        }

        return query.ToQueryString().Value ?? string.Empty;
    }

    internal static bool IsValidReturnQuery(string query) =>
        query.Length is > 1 and <= 8192 && query[0] == '?' && !query.Any(char.IsControl);

    internal static string? ClientAddress(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null)
        {
            return null;
        }

        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }

    private static string RetryAfterSeconds(TimeSpan wait) =>
        Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}

/// <summary>How long the sign-in page's session lasts.</summary>
internal sealed record SessionSettings(TimeSpan Lifetime);
