using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using OpenIddict.Abstractions;
using OpenMss.Identity.Accounts;
using OpenMss.Identity.SignIn;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMss.Identity.Endpoints;

/// <summary>
/// The two posts of the patient sign-in (INS and password, then the code sent by e-mail). Between
/// them the browser carries the INS in a value sealed with DataProtection (not readable, not
/// forgeable, dated on the provider's clock), never in clear in the page. Success signs the browser
/// in as a patient and goes back to the authorization endpoint, like the professional form.
/// </summary>
internal sealed class PatientSignInEndpoints(PatientSignInService signIn, IAntiforgery antiforgery, IDataProtectionProvider protection, SessionSettings session, TimeProvider time)
{
    private readonly IDataProtector _pending = protection.CreateProtector("openmss-identity-patient-pending");

    public async Task PasswordAsync(HttpContext http)
    {
        var form = await ReadFormAsync(http).ConfigureAwait(false);
        if (form is null)
        {
            return;
        }

        var (returnQuery, clientId) = form.Value;
        var values = http.Request.Form;
        var ins = values[PatientSignInPage.InsField].ToString().Trim().ToUpperInvariant();
        var password = values[PatientSignInPage.PasswordField].ToString();
        if (ins.Length == 0 || password.Length == 0)
        {
            await PatientSignInPage.WritePasswordStepAsync(http, antiforgery, returnQuery, null, SignInMessages.PatientMissingFields, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        var outcome = await signIn.CheckPasswordAsync(ins, password, OidcEndpoints.ClientAddress(http), clientId, http.RequestAborted).ConfigureAwait(false);
        switch (outcome.Status)
        {
            case PatientSignInStatus.CodeSent:
                var pending = _pending.Protect(outcome.Account!.Ins + "|" + time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
                await PatientSignInPage.WriteCodeStepAsync(http, antiforgery, returnQuery, pending, error: null).ConfigureAwait(false);
                return;
            case PatientSignInStatus.LockedOut:
                http.Response.Headers.RetryAfter = Seconds(outcome.RetryAfter);
                await PatientSignInPage.WritePasswordStepAsync(http, antiforgery, returnQuery, null, SignInMessages.LockedOut(outcome.RetryAfter), StatusCodes.Status429TooManyRequests).ConfigureAwait(false);
                return;
            case PatientSignInStatus.TooManyCodes:
                http.Response.Headers.RetryAfter = Seconds(outcome.RetryAfter);
                await PatientSignInPage.WritePasswordStepAsync(http, antiforgery, returnQuery, null, SignInMessages.TooManyCodes(outcome.RetryAfter), StatusCodes.Status429TooManyRequests).ConfigureAwait(false);
                return;
            case PatientSignInStatus.MailUnavailable:
                await PatientSignInPage.WritePasswordStepAsync(http, antiforgery, returnQuery, null, SignInMessages.PatientMailUnavailable, StatusCodes.Status503ServiceUnavailable).ConfigureAwait(false);
                return;
            default:
                await PatientSignInPage.WritePasswordStepAsync(http, antiforgery, returnQuery, null, SignInMessages.PatientInvalidCredentials, StatusCodes.Status401Unauthorized).ConfigureAwait(false);
                return;
        }
    }

    public async Task CodeAsync(HttpContext http)
    {
        var form = await ReadFormAsync(http).ConfigureAwait(false);
        if (form is null)
        {
            return;
        }

        var (returnQuery, clientId) = form.Value;
        var values = http.Request.Form;
        var pending = values[PatientSignInPage.PendingField].ToString();
        var ins = Unprotect(pending);
        if (ins is null)
        {
            await PatientSignInPage.WritePasswordStepAsync(http, antiforgery, returnQuery, null, SignInMessages.PatientInvalidCode, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        var outcome = await signIn.CheckCodeAsync(ins, values[PatientSignInPage.CodeField].ToString(), OidcEndpoints.ClientAddress(http), clientId, http.RequestAborted).ConfigureAwait(false);
        switch (outcome.Status)
        {
            case PatientSignInStatus.Success:
                break;
            case PatientSignInStatus.LockedOut:
                http.Response.Headers.RetryAfter = Seconds(outcome.RetryAfter);
                await PatientSignInPage.WritePasswordStepAsync(http, antiforgery, returnQuery, null, SignInMessages.LockedOut(outcome.RetryAfter), StatusCodes.Status429TooManyRequests).ConfigureAwait(false);
                return;
            default:
                await PatientSignInPage.WriteCodeStepAsync(http, antiforgery, returnQuery, pending, SignInMessages.PatientInvalidCode, StatusCodes.Status401Unauthorized).ConfigureAwait(false);
                return;
        }

        var identity = new ClaimsIdentity(CookieAuthenticationDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, outcome.Account!.Ins));
        identity.AddClaim(new Claim(IdentityProtocol.AccountKindClaim, IdentityProtocol.PatientKind));
        await OidcEndpoints.StartSessionAsync(http, identity, time, session, returnQuery).ConfigureAwait(false);
    }

    /// <summary>Reads the form and checks its return query and antiforgery token; null when a page was already written.</summary>
    private async Task<(string ReturnQuery, string? ClientId)?> ReadFormAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType)
        {
            await SignInPage.WriteMessageAsync(http, "Requête invalide", SignInMessages.ExpiredForm, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return null;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var returnQuery = form[SignInPage.ReturnField].ToString();
        if (!OidcEndpoints.IsValidReturnQuery(returnQuery))
        {
            await SignInPage.WriteMessageAsync(http, "Requête invalide", SignInMessages.ExpiredForm, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return null;
        }

        try
        {
            await antiforgery.ValidateRequestAsync(http).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            await PatientSignInPage.WritePasswordStepAsync(http, antiforgery, returnQuery, null, SignInMessages.ExpiredForm, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return null;
        }

        var clientId = QueryHelpers.ParseQuery(returnQuery).TryGetValue(Parameters.ClientId, out var ids) ? ids.ToString() : null;
        return (returnQuery, clientId);
    }

    /// <summary>The INS of a pending sign-in still within the code's validity, or null.</summary>
    private string? Unprotect(string pending)
    {
        if (pending.Length == 0)
        {
            return null;
        }

        string text;
        try
        {
            text = _pending.Unprotect(pending);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }

        var separator = text.IndexOf('|', StringComparison.Ordinal);
        if (separator < 0 || !long.TryParse(text.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var issued))
        {
            return null;
        }

        var age = time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(issued);
        return age < TimeSpan.Zero || age > signIn.Patients.Codes.Validity ? null : text[..separator];
    }

    private static string Seconds(TimeSpan wait) =>
        Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
