using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenMss.Core;
using OpenMss.Web.Pages;

namespace OpenMss.Directory.Api;

/// <summary>
/// The French search page for professionals (<c>/</c> and <c>/recherche</c>): find a colleague's MSSanté
/// address by name, profession and town. Rendered on the server in the shared French layout, every value HTML-encoded, no script;
/// accessible markup (labels, a results table with caption and headers, a named pagination).
/// </summary>
internal static class SearchPage
{
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
            <h1>Rechercher un correspondant</h1>
            <form method="get" action="/recherche" role="search" aria-label="Rechercher dans l'annuaire">
              <div class="field"><label for="name">Nom ou raison sociale</label>
            """);
        body.Append(CultureInfo.InvariantCulture, $"""<input id="name" name="name" type="text" value="{FrenchLayout.Encode(name)}" placeholder="ex. Hélène Dupont" autocomplete="off"></div>""");
        body.Append("""<div class="field"><label for="profession">Profession</label>""");
        body.Append(CultureInfo.InvariantCulture, $"""<input id="profession" name="profession" type="text" value="{FrenchLayout.Encode(profession)}" placeholder="ex. pharmacien" list="professions"></div>""");
        body.Append("""<datalist id="professions"><option value="Médecin"><option value="Pharmacien"><option value="Infirmier"><option value="Sage-femme"><option value="Chirurgien-dentiste"><option value="Masseur-kinésithérapeute"></datalist>""");
        body.Append("""<div class="field"><label for="town">Commune</label>""");
        body.Append(CultureInfo.InvariantCulture, $"""<input id="town" name="town" type="text" value="{FrenchLayout.Encode(town)}" placeholder="ex. Lyon"></div>""");
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

        var html = FrenchLayout.Render(
            "Annuaire MSSanté – Recherche d'un correspondant",
            "Annuaire MSSanté",
            "Trouvez l'adresse de messagerie sécurisée de santé d'un professionnel ou d'une structure.",
            body.ToString());
        return FrenchLayout.Result(html, status);
    }

    private static void AppendResults(StringBuilder body, DirectorySearchPage<DirectoryEntry> page, string name, string profession, string town)
    {
        var count = page.TotalIsExact
            ? page.Total switch { 0 => "Aucun résultat", 1 => "1 résultat", var n => n.ToString("N0", CultureInfo.GetCultureInfo("fr-FR")) + " résultats" }
            : "Plus de " + page.Total.ToString("N0", CultureInfo.GetCultureInfo("fr-FR")) + " résultats";
        body.Append(CultureInfo.InvariantCulture, $"""<section aria-labelledby="resultats"><h2 id="resultats">{FrenchLayout.Encode(count)}</h2>""");
        if (page.Items.Count > 0)
        {
            body.Append("""<table><caption>Boîtes aux lettres MSSanté correspondant à la recherche</caption><thead><tr>""");
            body.Append("""<th scope="col">Nom</th><th scope="col">Profession</th><th scope="col">Structure</th><th scope="col">Commune</th><th scope="col">Adresse MSSanté</th><th scope="col">Type de boîte</th></tr></thead><tbody>""");
            foreach (var entry in page.Items)
            {
                var structure = entry.Structure?.Sign ?? entry.Structure?.Name ?? string.Empty;
                body.Append(CultureInfo.InvariantCulture, $"""<tr><td>{FrenchLayout.Encode(entry.DisplayName)}</td><td>{FrenchLayout.Encode(entry.Professional?.ProfessionLabel ?? string.Empty)}</td><td>{FrenchLayout.Encode(structure)}</td><td>{FrenchLayout.Encode(entry.Structure?.Town ?? string.Empty)}</td>""");
                body.Append(CultureInfo.InvariantCulture, $"""<td><a href="mailto:{FrenchLayout.Encode(entry.Address)}">{FrenchLayout.Encode(entry.Address)}</a></td><td>{FrenchLayout.Encode(entry.Kind.FrenchLabel())}</td></tr>""");
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
                body.Append(CultureInfo.InvariantCulture, $"""<li><a href="{FrenchLayout.Encode(Link(page.Page - 1))}" rel="prev">Page précédente</a></li>""");
            }

            body.Append(CultureInfo.InvariantCulture, $"""<li aria-current="page">Page {page.Page}</li>""");
            if (page.HasMore)
            {
                body.Append(CultureInfo.InvariantCulture, $"""<li><a href="{FrenchLayout.Encode(Link(page.Page + 1))}" rel="next">Page suivante</a></li>""");
            }

            body.Append("</ul></nav>");
        }

        body.Append("</section>");
    }
}
