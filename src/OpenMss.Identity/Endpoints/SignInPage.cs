using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using OpenMss.Web.Pages;

namespace OpenMss.Identity.Endpoints;

/// <summary>
/// The sign-in page of the authorization code flow, in French: RPPS identifier, password and
/// one-time code (the e-CPS stand-in). Server-rendered HTML in the shared French layout; every value is
/// HTML-encoded, the form carries an antiforgery token, and the page may not be framed.
/// </summary>
internal static class SignInPage
{
    public const string IdentifierField = "rpps";
    public const string PasswordField = "password";
    public const string CodeField = "otp";
    public const string ReturnField = "returnQuery";

    public static async Task WriteAsync(HttpContext http, IAntiforgery antiforgery, string returnQuery, string? clientName, string? error, string? identifier, int statusCode = StatusCodes.Status200OK)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var html = Render(tokens, returnQuery, clientName, error, identifier);
        http.Response.StatusCode = statusCode;
        http.Response.ContentType = "text/html; charset=utf-8";
        SetPageHeaders(http.Response);
        await http.Response.WriteAsync(html, Encoding.UTF8, http.RequestAborted).ConfigureAwait(false);
    }

    public static async Task WriteMessageAsync(HttpContext http, string title, string message, int statusCode)
    {
        var html = FrenchLayout.Render(title, Service, lead: null, $"<h1>{FrenchLayout.Encode(title)}</h1><p>{FrenchLayout.Encode(message)}</p>", narrow: true);
        http.Response.StatusCode = statusCode;
        http.Response.ContentType = "text/html; charset=utf-8";
        SetPageHeaders(http.Response);
        await http.Response.WriteAsync(html, Encoding.UTF8, http.RequestAborted).ConfigureAwait(false);
    }

    internal static string Render(AntiforgeryTokenSet tokens, string returnQuery, string? clientName, string? error, string? identifier)
    {
        var heading = string.IsNullOrWhiteSpace(clientName) ? "Connexion" : "Connexion à " + clientName;
        var errorBlock = error is null ? string.Empty : $"""<p class="error" role="alert">{FrenchLayout.Encode(error)}</p>""";
        var body = $"""
            <h1>{FrenchLayout.Encode(heading)}</h1>
            <p>Identifiez-vous avec votre numéro RPPS, votre mot de passe et le code de votre application e-CPS.</p>
            {errorBlock}
            <form method="post" action="{IdentityProtocol.SignInPath}" autocomplete="off">
            <input type="hidden" name="{FrenchLayout.Encode(tokens.FormFieldName)}" value="{FrenchLayout.Encode(tokens.RequestToken ?? string.Empty)}">
            <input type="hidden" name="{ReturnField}" value="{FrenchLayout.Encode(returnQuery)}">
            <label for="rpps">Identifiant RPPS</label>
            <input id="rpps" name="{IdentifierField}" type="text" inputmode="numeric" autocomplete="username" required maxlength="20" value="{FrenchLayout.Encode(identifier ?? string.Empty)}">
            <label for="password">Mot de passe</label>
            <input id="password" name="{PasswordField}" type="password" autocomplete="current-password" required maxlength="512">
            <label for="otp">Code à usage unique (e-CPS)</label>
            <input id="otp" name="{CodeField}" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" required maxlength="8">
            <button type="submit">Se connecter</button>
            </form>
            """;
        return FrenchLayout.Render(heading + " – OpenMSS", Service, lead: null, body, narrow: true);
    }

    private const string Service = "OpenMSS – identification des professionnels";

    private static void SetPageHeaders(HttpResponse response)
    {
        // The shared security headers (OpenMss.Web) are already set; a page with a password adds
        // the HTTP/1.0 cache directive for old proxies.
        response.Headers.Pragma = "no-cache";
    }
}
