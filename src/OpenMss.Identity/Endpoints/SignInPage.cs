using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace OpenMss.Identity.Endpoints;

/// <summary>
/// The sign-in page of the authorization code flow, in French: RPPS identifier, password and
/// one-time code (the e-CPS stand-in). Plain server-rendered HTML; every value is HTML-encoded, the
/// form carries an antiforgery token, and the page may not be framed.
/// </summary>
internal static class SignInPage
{
    public const string IdentifierField = "rpps";
    public const string PasswordField = "password";
    public const string CodeField = "otp";
    public const string ReturnField = "returnQuery";

    // Encodes markup characters (< > & " ') but keeps French letters readable in the page source.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

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
        var e = Encoder;
        var html = $"""
            <!DOCTYPE html>
            <html lang="fr">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{e.Encode(title)}</title>{Style}</head>
            <body><main><h1>{e.Encode(title)}</h1><p>{e.Encode(message)}</p></main></body>
            </html>
            """;
        http.Response.StatusCode = statusCode;
        http.Response.ContentType = "text/html; charset=utf-8";
        SetPageHeaders(http.Response);
        await http.Response.WriteAsync(html, Encoding.UTF8, http.RequestAborted).ConfigureAwait(false);
    }

    internal static string Render(AntiforgeryTokenSet tokens, string returnQuery, string? clientName, string? error, string? identifier)
    {
        var e = Encoder;
        var heading = string.IsNullOrWhiteSpace(clientName) ? "Connexion" : "Connexion à " + clientName;
        var errorBlock = error is null ? string.Empty : $"""<p class="error" role="alert">{e.Encode(error)}</p>""";
        return $"""
            <!DOCTYPE html>
            <html lang="fr">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{e.Encode(heading)} – OpenMSS</title>
            {Style}
            </head>
            <body>
            <main>
            <h1>{e.Encode(heading)}</h1>
            <p>Identifiez-vous avec votre numéro RPPS, votre mot de passe et le code de votre application e-CPS.</p>
            {errorBlock}
            <form method="post" action="{IdentityProtocol.SignInPath}" autocomplete="off">
            <input type="hidden" name="{e.Encode(tokens.FormFieldName)}" value="{e.Encode(tokens.RequestToken ?? string.Empty)}">
            <input type="hidden" name="{ReturnField}" value="{e.Encode(returnQuery)}">
            <label for="rpps">Identifiant RPPS</label>
            <input id="rpps" name="{IdentifierField}" type="text" inputmode="numeric" autocomplete="username" required maxlength="20" value="{e.Encode(identifier ?? string.Empty)}">
            <label for="password">Mot de passe</label>
            <input id="password" name="{PasswordField}" type="password" autocomplete="current-password" required maxlength="512">
            <label for="otp">Code à usage unique (e-CPS)</label>
            <input id="otp" name="{CodeField}" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" required maxlength="8">
            <button type="submit">Se connecter</button>
            </form>
            </main>
            </body>
            </html>
            """;
    }

    private const string Style = """
        <style>
        body{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0}
        main{max-width:26rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:.5rem;box-shadow:0 1px 4px rgba(0,0,0,.15)}
        h1{font-size:1.4rem;margin-top:0}
        label{display:block;margin-top:1rem;font-weight:600}
        input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;margin-top:.25rem}
        button{margin-top:1.5rem;width:100%;padding:.6rem;font-size:1rem;background:#000091;color:#fff;border:0;border-radius:.25rem}
        .error{color:#b00020;font-weight:600}
        </style>
        """;

    private static void SetPageHeaders(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";
    }
}
