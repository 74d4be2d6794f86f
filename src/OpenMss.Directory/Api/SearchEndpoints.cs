using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenMss.Core;
using OpenMss.Core.Addressing;
using OpenMss.Core.Identifiers;
using OpenMss.Trust;

namespace OpenMss.Directory.Api;

/// <summary>
/// The public JSON API: search, exact address lookup (routing; liste rouge included),
/// pharmacies near a place (patient portal), the whitelist and the routing table.
/// </summary>
internal static class SearchEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/search", SearchAsync);
        app.MapGet("/api/mailboxes/{address}", FindAsync);
        app.MapGet("/api/pharmacies", PharmaciesAsync);
        app.MapGet("/api/routing", RoutingAsync);
        app.MapGet("/whitelist.xml", WhitelistAsync);
        app.MapGet("/health", () => Results.Text("ok"));
    }

    private static async Task<IResult> SearchAsync(HttpRequest request, IDirectoryStore store, CancellationToken cancellationToken)
    {
        var query = request.Query;
        if (!TryBuildSearch(query, out var search, out var error))
        {
            return error!;
        }

        var page = await store.SearchAsync(search, cancellationToken);
        return Results.Json(new SearchResponse(page.Total, page.TotalIsExact, page.Page, page.PageSize, page.HasMore, page.Items.Select(MailboxView.From).ToList()));
    }

    /// <summary>Reads and checks the search parameters (shared by the JSON API and the search page).</summary>
    internal static bool TryBuildSearch(IQueryCollection query, out DirectorySearch search, out IResult? error)
    {
        search = new DirectorySearch();
        string? Get(string name) => query[name].FirstOrDefault() is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

        if (!DirectoryServer.TryPositive(Get("page"), 1, 100_000, "page", out var pageNumber, out error)
            || !DirectoryServer.TryPositive(Get("pageSize"), 20, DirectorySearch.MaxPageSize, "pageSize", out var pageSize, out error))
        {
            return false;
        }

        MailboxKind? kind = null;
        if (Get("kind") is { } kindText)
        {
            if (!MailboxKinds.TryParseCode(kindText, out var parsed))
            {
                error = DirectoryServer.BadRequest("Le type de boîte aux lettres (« kind ») doit être PER, ORG, APP ou CAB.");
                return false;
            }

            kind = parsed;
        }

        var rpps = Get("rpps");
        if (rpps is not null && !Rpps.TryParseLenient(rpps, out _, out var rppsError))
        {
            error = DirectoryServer.BadRequest(rppsError.Reason);
            return false;
        }

        var adeli = Get("adeli");
        if (adeli is not null && !Adeli.TryParse(adeli, out _, out var adeliError))
        {
            error = DirectoryServer.BadRequest(adeliError.Reason);
            return false;
        }

        var finess = Get("finess");
        if (finess is not null && !Finess.TryParseLenient(finess, out _, out var finessError))
        {
            error = DirectoryServer.BadRequest(finessError.Reason);
            return false;
        }

        var siret = Get("siret");
        if (siret is not null && !Siret.TryParseLenient(siret, out _, out var siretError))
        {
            error = DirectoryServer.BadRequest(siretError.Reason);
            return false;
        }

        var postalCode = Get("postalCode");
        if (postalCode is not null && (postalCode.Length > 5 || !postalCode.All(char.IsAsciiLetterOrDigit)))
        {
            error = DirectoryServer.BadRequest("Le code postal (« postalCode ») comporte au plus 5 chiffres, par exemple 75011 ou 75.");
            return false;
        }

        foreach (var name in new[] { "name", "address", "profession", "town" })
        {
            if (Get(name) is { Length: > 200 })
            {
                error = DirectoryServer.BadRequest($"Le paramètre « {name} » ne doit pas dépasser 200 caractères.");
                return false;
            }
        }

        if (new[] { "name", "rpps", "adeli", "finess", "siret", "address", "kind", "profession", "postalCode", "town" }.All(n => Get(n) is null))
        {
            error = DirectoryServer.BadRequest("Indiquez au moins un critère de recherche : nom, RPPS, ADELI, FINESS, SIRET, adresse, type de boîte, profession, code postal ou commune.");
            return false;
        }

        search = new DirectorySearch
        {
            Name = Get("name"),
            Rpps = rpps,
            Adeli = adeli,
            Finess = finess,
            Siret = siret,
            Address = Get("address"),
            Kind = kind,
            Profession = Get("profession"),
            PostalCode = postalCode,
            Town = Get("town"),
            Page = pageNumber,
            PageSize = pageSize,
        };
        return true;
    }

    private static async Task<IResult> FindAsync(string address, HttpContext context, IDirectoryStore store, TrustValidator validator, CancellationToken cancellationToken)
    {
        if (!MssAddress.TryParse(address, out var parsed, out var error))
        {
            return DirectoryServer.BadRequest(error.Reason);
        }

        var entry = await store.FindAsync(parsed.Value, cancellationToken);
        if (entry is null)
        {
            return DirectoryServer.NotFound("Aucune boîte aux lettres MSSanté ne porte cette adresse dans l'annuaire.");
        }

        // A liste rouge entry stays routable, but who holds it is told only to the trust space's
        // operators (mutual TLS), never to whoever guesses the address.
        if (entry.ListeRouge && !validator.ValidateClient(await context.Connection.GetClientCertificateAsync(cancellationToken)).IsTrusted)
        {
            return Results.Json(MailboxView.Withheld(entry));
        }

        return Results.Json(MailboxView.From(entry));
    }

    private static async Task<IResult> PharmaciesAsync(HttpRequest request, IDirectoryStore store, CancellationToken cancellationToken)
    {
        var postalCode = request.Query["postalCode"].FirstOrDefault()?.Trim();
        var town = request.Query["town"].FirstOrDefault()?.Trim();
        if (string.IsNullOrEmpty(postalCode) && string.IsNullOrEmpty(town))
        {
            return DirectoryServer.BadRequest("Indiquez un code postal (« postalCode ») ou une commune (« town »).");
        }

        if (!string.IsNullOrEmpty(postalCode) && (postalCode.Length != 5 || !postalCode.All(char.IsAsciiDigit)))
        {
            return DirectoryServer.BadRequest("Le code postal (« postalCode ») comporte 5 chiffres, par exemple 75011.");
        }

        if (town is { Length: > 200 })
        {
            return DirectoryServer.BadRequest("Le nom de commune (« town ») ne doit pas dépasser 200 caractères.");
        }

        if (!DirectoryServer.TryPositive(request.Query["limit"].FirstOrDefault(), 20, DirectorySearch.MaxPageSize, "limit", out var limit, out var error))
        {
            return error!;
        }

        var found = await store.FindPharmaciesAsync(string.IsNullOrEmpty(postalCode) ? null : postalCode, town, limit, cancellationToken);
        return Results.Json(new
        {
            items = found.Select(p => new PharmacyView(
                p.Mailbox.Address,
                p.Mailbox.DisplayName,
                p.Mailbox.Structure?.IdType == StructureInfo.FinessType ? p.Mailbox.Structure.Identifier : null,
                p.Mailbox.Structure?.IdType == StructureInfo.SiretType ? p.Mailbox.Structure.Identifier : null,
                p.Mailbox.Structure?.PostalCode,
                p.Mailbox.Structure?.Town,
                p.DistanceRank == 0)).ToList(),
        });
    }

    private static async Task<IResult> RoutingAsync(IDirectoryStore store, CancellationToken cancellationToken)
    {
        var routes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in await store.ListOperatorsAsync(cancellationToken))
        {
            if (entry.RelayEndpoint is null)
            {
                continue;
            }

            foreach (var domain in entry.Domains)
            {
                routes[domain] = entry.RelayEndpoint;
            }
        }

        return Results.Json(routes);
    }

    private static async Task<IResult> WhitelistAsync(IDirectoryStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var operators = await store.ListOperatorsAsync(cancellationToken);
        var whitelist = Whitelist.Create(
            operators.SelectMany(o => o.Domains.Select(d => new WhitelistEntry(d, Description: o.Name, UpdatedAt: o.RegisteredAt))),
            time.GetUtcNow());
        return Results.Text(whitelist.ToXml(), "application/xml; charset=utf-8");
    }
}
