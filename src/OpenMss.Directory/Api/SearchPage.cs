using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenMss.Core;

namespace OpenMss.Directory.Api;

/// <summary>
/// The French search page for professionals (<c>/</c> and <c>/recherche</c>): find a colleague's MSSanté
/// address by name, profession and town. Rendered on the server, every value HTML-encoded, no script;
/// accessible markup (labels, a results table with caption and headers, a named pagination).
/// </summary>
internal static class SearchPage
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", RenderAsync);
        app.MapGet("/recherche", RenderAsync);
    }

    private static async Task<IResult> RenderAsync(HttpContext context, IDirectoryStore store, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        string Value(string name) => query[name].FirstOrDefault()?.Trim() ?? string.Empty;
        var name = Value("name");
        var profession = Value("profession");
        var town = Value("town");

        var body = new StringBuilder();
        body.Append("""
            <form method="get" action="/recherche" role="search" aria-label="Rechercher dans l'annuaire">
              <div class="field"><label for="name">Nom ou raison sociale</label>
            """);
        body.Append(CultureInfo.InvariantCulture, $"""<input id="name" name="name" type="text" value="{Html.Encode(name)}" placeholder="ex. Hélène Dupont" autocomplete="off"></div>""");
        body.Append("""<div class="field"><label for="profession">Profession</label>""");
        body.Append(CultureInfo.InvariantCulture, $"""<input id="profession" name="profession" type="text" value="{Html.Encode(profession)}" placeholder="ex. pharmacien" list="professions"></div>""");
        body.Append("""<datalist id="professions"><option value="Médecin"><option value="Pharmacien"><option value="Infirmier"><option value="Sage-femme"><option value="Chirurgien-dentiste"><option value="Masseur-kinésithérapeute"></datalist>""");
        body.Append("""<div class="field"><label for="town">Commune</label>""");
        body.Append(CultureInfo.InvariantCulture, $"""<input id="town" name="town" type="text" value="{Html.Encode(town)}" placeholder="ex. Lyon"></div>""");
        body.Append("""<button type="submit">Rechercher</button></form>""");

        var status = StatusCodes.Status200OK;
        if (name.Length + profession.Length + town.Length > 0)
        {
            if (!SearchEndpoints.TryBuildSearch(query, out var search, out _))
            {
                status = StatusCodes.Status400BadRequest;
                body.Append("""<p class="error" role="alert">La recherche n'a pas pu être faite : vérifiez les critères saisis.</p>""");
            }
            else
            {
                var page = await store.SearchAsync(search, cancellationToken);
                AppendResults(body, page, name, profession, town);
            }
        }

        var html = $"""
            <!doctype html>
            <html lang="fr">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Annuaire MSSanté – Recherche d'un correspondant</title>
            <style>
            body{"{"}font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1e1e1e;background:#f6f6f6{"}"}
            header{"{"}background:#000091;color:#fff;padding:1rem 2rem{"}"}
            header h1{"{"}margin:0;font-size:1.5rem{"}"}
            main{"{"}max-width:72rem;margin:0 auto;padding:1rem 2rem{"}"}
            form{"{"}display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-end;background:#fff;padding:1rem;border-radius:4px{"}"}
            .field{"{"}display:flex;flex-direction:column;gap:.25rem{"}"}
            input{"{"}padding:.5rem;border:1px solid #666;border-radius:4px;min-width:14rem;font-size:1rem{"}"}
            button{"{"}padding:.55rem 1.25rem;background:#000091;color:#fff;border:0;border-radius:4px;font-size:1rem;cursor:pointer{"}"}
            button:focus,input:focus,a:focus{"{"}outline:3px solid #0a76f6;outline-offset:2px{"}"}
            table{"{"}width:100%;border-collapse:collapse;background:#fff;margin-top:1rem{"}"}
            caption{"{"}text-align:left;font-weight:600;padding:.5rem 0{"}"}
            th,td{"{"}text-align:left;padding:.5rem;border-bottom:1px solid #ddd;vertical-align:top{"}"}
            .error{"{"}color:#b00020;font-weight:600{"}"}
            nav ul{"{"}list-style:none;display:flex;gap:1rem;padding:0{"}"}
            </style>
            </head>
            <body>
            <header><h1>Annuaire MSSanté</h1><p>Trouvez l'adresse de messagerie sécurisée de santé d'un professionnel ou d'une structure.</p></header>
            <main>
            {body}
            </main>
            </body>
            </html>
            """;
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    private static void AppendResults(StringBuilder body, DirectorySearchPage<DirectoryEntry> page, string name, string profession, string town)
    {
        var count = page.TotalIsExact
            ? page.Total switch { 0 => "Aucun résultat", 1 => "1 résultat", var n => n.ToString("N0", CultureInfo.GetCultureInfo("fr-FR")) + " résultats" }
            : "Plus de " + page.Total.ToString("N0", CultureInfo.GetCultureInfo("fr-FR")) + " résultats";
        body.Append(CultureInfo.InvariantCulture, $"""<section aria-labelledby="resultats"><h2 id="resultats">{Html.Encode(count)}</h2>""");
        if (page.Items.Count > 0)
        {
            body.Append("""<table><caption>Boîtes aux lettres MSSanté correspondant à la recherche</caption><thead><tr>""");
            body.Append("""<th scope="col">Nom</th><th scope="col">Profession</th><th scope="col">Structure</th><th scope="col">Commune</th><th scope="col">Adresse MSSanté</th><th scope="col">Type de boîte</th></tr></thead><tbody>""");
            foreach (var entry in page.Items)
            {
                var structure = entry.Structure?.Sign ?? entry.Structure?.Name ?? string.Empty;
                body.Append(CultureInfo.InvariantCulture, $"""<tr><td>{Html.Encode(entry.DisplayName)}</td><td>{Html.Encode(entry.Professional?.ProfessionLabel ?? string.Empty)}</td><td>{Html.Encode(structure)}</td><td>{Html.Encode(entry.Structure?.Town ?? string.Empty)}</td>""");
                body.Append(CultureInfo.InvariantCulture, $"""<td><a href="mailto:{Html.Encode(entry.Address)}">{Html.Encode(entry.Address)}</a></td><td>{Html.Encode(entry.Kind.FrenchLabel())}</td></tr>""");
            }

            body.Append("</tbody></table>");
        }

        if (page.Page > 1 || page.HasMore)
        {
            string Link(int number) => "/recherche?" + string.Join('&', new[] { ("name", name), ("profession", profession), ("town", town), ("page", number.ToString(CultureInfo.InvariantCulture)) }
                .Where(p => p.Item2.Length > 0)
                .Select(p => p.Item1 + "=" + Uri.EscapeDataString(p.Item2)));
            body.Append("""<nav aria-label="Pagination des résultats"><ul>""");
            if (page.Page > 1)
            {
                body.Append(CultureInfo.InvariantCulture, $"""<li><a href="{Html.Encode(Link(page.Page - 1))}" rel="prev">Page précédente</a></li>""");
            }

            body.Append(CultureInfo.InvariantCulture, $"""<li aria-current="page">Page {page.Page}</li>""");
            if (page.HasMore)
            {
                body.Append(CultureInfo.InvariantCulture, $"""<li><a href="{Html.Encode(Link(page.Page + 1))}" rel="next">Page suivante</a></li>""");
            }

            body.Append("</ul></nav>");
        }

        body.Append("</section>");
    }
}
