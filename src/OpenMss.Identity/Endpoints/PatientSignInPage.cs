using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using OpenMss.Web.Pages;

namespace OpenMss.Identity.Endpoints;

/// <summary>
/// The patient sign-in pages of the authorization code flow, in French, saying plainly that this is
/// the patient account of Mon espace santé (not a professional one): first INS and password, then
/// the one-time code sent by e-mail. Same layout, encoding and antiforgery rules as <see cref="SignInPage"/>.
/// </summary>
internal static class PatientSignInPage
{
    public const string InsField = "ins";
    public const string PasswordField = "password";
    public const string CodeField = "code";
    public const string PendingField = "pending";

    private const string Service = "Mon espace santé – connexion patient";

    public static Task WritePasswordStepAsync(HttpContext http, IAntiforgery antiforgery, string returnQuery, string? clientName, string? error, int statusCode = StatusCodes.Status200OK)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var heading = string.IsNullOrWhiteSpace(clientName) ? "Connexion à Mon espace santé" : "Connexion à " + clientName;
        var body = $"""
            <h1>{FrenchLayout.Encode(heading)}</h1>
            <p>Compte patient. Identifiez-vous avec votre matricule INS (votre numéro de sécurité sociale, 15 caractères, clé comprise) et votre mot de passe. Un code à usage unique vous sera ensuite envoyé à votre adresse électronique personnelle.</p>
            <p>Vous êtes professionnel de santé ? Connectez-vous depuis le logiciel de votre structure, avec votre numéro RPPS.</p>
            {ErrorBlock(error)}
            <form method="post" action="{IdentityProtocol.PatientSignInPath}" autocomplete="off">
            {Hidden(tokens, returnQuery)}
            <label for="ins">Matricule INS</label>
            <input id="ins" name="{InsField}" type="text" autocomplete="username" required maxlength="20" autocapitalize="characters">
            <label for="password">Mot de passe</label>
            <input id="password" name="{PasswordField}" type="password" autocomplete="current-password" required maxlength="512">
            <button type="submit">Continuer</button>
            </form>
            """;
        return WriteAsync(http, heading, body, statusCode);
    }

    public static Task WriteCodeStepAsync(HttpContext http, IAntiforgery antiforgery, string returnQuery, string pending, string? error, int statusCode = StatusCodes.Status200OK)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        const string heading = "Code de connexion";
        var body = $"""
            <h1>{heading}</h1>
            <p>Compte patient Mon espace santé. Un code à 6 chiffres vient d’être envoyé à votre adresse électronique personnelle. Saisissez-le ci-dessous ; il n’est valable que quelques minutes.</p>
            {ErrorBlock(error)}
            <form method="post" action="{IdentityProtocol.PatientCodePath}" autocomplete="off">
            {Hidden(tokens, returnQuery)}
            <input type="hidden" name="{PendingField}" value="{FrenchLayout.Encode(pending)}">
            <label for="code">Code reçu par courriel</label>
            <input id="code" name="{CodeField}" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" required maxlength="8">
            <button type="submit">Se connecter</button>
            </form>
            """;
        return WriteAsync(http, heading, body, statusCode);
    }

    private static string ErrorBlock(string? error) =>
        error is null ? string.Empty : $"""<p class="error" role="alert">{FrenchLayout.Encode(error)}</p>""";

    private static string Hidden(AntiforgeryTokenSet tokens, string returnQuery) => $"""
        <input type="hidden" name="{FrenchLayout.Encode(tokens.FormFieldName)}" value="{FrenchLayout.Encode(tokens.RequestToken ?? string.Empty)}">
        <input type="hidden" name="{SignInPage.ReturnField}" value="{FrenchLayout.Encode(returnQuery)}">
        """;

    private static async Task WriteAsync(HttpContext http, string heading, string body, int statusCode)
    {
        var html = FrenchLayout.Render(heading + " – Mon espace santé", Service, lead: null, body, narrow: true);
        http.Response.StatusCode = statusCode;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.Pragma = "no-cache";
        await http.Response.WriteAsync(html, Encoding.UTF8, http.RequestAborted).ConfigureAwait(false);
    }
}
