using Microsoft.Extensions.DependencyInjection;
using System.Globalization;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Routing;
using OpenMss.Core;

namespace OpenMss.Directory.Api;

/// <summary>
/// The FHIR R4 interface (<c>/fhir</c>): read and search of <c>Practitioner</c>, <c>PractitionerRole</c> and
/// <c>Organization</c> with the parameters <c>identifier</c>, <c>name</c>, <c>mailbox-mss</c> (with
/// <c>:exact</c> and <c>:contains</c>) and <c>mailbox-mss-type</c> of the ANS directory guide, plus
/// <c>_count</c> and <c>_offset</c>; <c>/fhir/metadata</c>. Public: liste rouge mailboxes are never shown.
/// </summary>
internal static class FhirEndpoints
{
    private const string FhirJson = "application/fhir+json; charset=utf-8";
    private const int DefaultCount = 20;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/fhir/metadata", (HttpRequest request, TimeProvider time) => Fhir(Capabilities(BaseUrl(request), time.GetUtcNow())));
        app.MapGet("/fhir/Practitioner/{id}", ReadPractitionerAsync);
        app.MapGet("/fhir/PractitionerRole/{id}", ReadRoleAsync);
        app.MapGet("/fhir/Organization/{id}", ReadOrganizationAsync);
        app.MapGet("/fhir/Practitioner", (HttpRequest r, IDirectoryStore s, CancellationToken c) => SearchAsync(r, s, KeyGrouping.Professional, c));
        app.MapGet("/fhir/PractitionerRole", (HttpRequest r, IDirectoryStore s, CancellationToken c) => SearchAsync(r, s, KeyGrouping.Role, c));
        app.MapGet("/fhir/Organization", (HttpRequest r, IDirectoryStore s, CancellationToken c) => SearchAsync(r, s, KeyGrouping.Structure, c));
    }

    private static async Task<IResult> ReadPractitionerAsync(string id, IDirectoryStore store, CancellationToken cancellationToken)
    {
        var entries = await store.FindByProfessionalAsync(id, cancellationToken);
        return entries.Count == 0 ? NotFound("Practitioner", id) : Fhir(FhirMapper.ToPractitioner(id, entries));
    }

    private static async Task<IResult> ReadOrganizationAsync(string id, IDirectoryStore store, CancellationToken cancellationToken)
    {
        var entries = await store.FindByStructureAsync(id, cancellationToken);
        return entries.Count == 0 ? NotFound("Organization", id) : Fhir(FhirMapper.ToOrganization(id, entries));
    }

    private static async Task<IResult> ReadRoleAsync(string id, IDirectoryStore store, CancellationToken cancellationToken)
    {
        var entries = await RoleEntriesAsync(store, id, cancellationToken);
        return entries is null || entries.Value.Entries.Count == 0
            ? NotFound("PractitionerRole", id)
            : Fhir(FhirMapper.ToPractitionerRole(entries.Value.Professional, entries.Value.Structure, entries.Value.Entries));
    }

    private static async Task<(string Professional, string Structure, IReadOnlyList<DirectoryEntry> Entries)?> RoleEntriesAsync(IDirectoryStore store, string id, CancellationToken cancellationToken)
    {
        // The professional key (idNat_PS) is digits only, so the first '-' separates it from the structure key.
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || dash == id.Length - 1)
        {
            return null;
        }

        var professional = id[..dash];
        var structure = id[(dash + 1)..];
        var entries = (await store.FindByProfessionalAsync(professional, cancellationToken))
            .Where(e => e.Structure?.Key == structure)
            .ToList();
        return (professional, structure, entries);
    }

    private static async Task<IResult> SearchAsync(HttpRequest request, IDirectoryStore store, KeyGrouping grouping, CancellationToken cancellationToken)
    {
        var query = request.Query;
        if (!TryInt(query["_count"].FirstOrDefault(), DefaultCount, 1, DirectorySearch.MaxPageSize, out var count)
            || !TryInt(query["_offset"].FirstOrDefault(), 0, 0, 1_000_000, out var offset))
        {
            return Outcome(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                $"_count doit être un entier entre 1 et {DirectorySearch.MaxPageSize} et _offset un entier positif ou nul.");
        }

        // The same bound as the JSON API: a name of thousands of words would make thousands of index probes.
        foreach (var (key, values) in query)
        {
            if (key is "name" or "identifier" or "mailbox-mss" or "mailbox-mss:exact" or "mailbox-mss:contains" or "practitioner" or "organization"
                && values.Any(v => v is { Length: > 200 }))
            {
                return Outcome(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.TooLong,
                    $"Le paramètre « {key} » ne doit pas dépasser 200 caractères.");
            }
        }

        var search = new DirectorySearch
        {
            RequireProfessional = grouping != KeyGrouping.Structure,
            RequireStructure = grouping != KeyGrouping.Professional,
            NameScope = grouping == KeyGrouping.Structure ? NameScope.Structure : NameScope.Professional,
            Name = query["name"].FirstOrDefault(),
        };

        if (query["identifier"].FirstOrDefault() is { Length: > 0 } identifier)
        {
            var (system, value) = SplitToken(identifier);
            search = grouping == KeyGrouping.Structure ? StructureIdentifier(search, system, value) : ProfessionalIdentifier(search, system, value);
            if (search is null)
            {
                return Fhir(Searchset(request, [], hasMore: false, count, offset));
            }
        }

        foreach (var (modifier, match) in new[] { ("", AddressMatch.Prefix), (":exact", AddressMatch.Exact), (":contains", AddressMatch.Contains) })
        {
            if (query["mailbox-mss" + modifier].FirstOrDefault() is { Length: > 0 } mailbox)
            {
                search = search with { Address = mailbox, AddressMatch = match };
            }
        }

        if (query["mailbox-mss-type"].FirstOrDefault() is { Length: > 0 } type)
        {
            var (system, code) = SplitToken(type);
            if ((system is not null && system.Length > 0 && system != FhirMapper.MailboxTypeSystem) || !MailboxKinds.TryParseCode(code, out var kind))
            {
                return Fhir(Searchset(request, [], hasMore: false, count, offset));
            }

            search = search with { Kind = kind };
        }

        if (grouping == KeyGrouping.Role)
        {
            if (query["practitioner"].FirstOrDefault() is { Length: > 0 } practitioner)
            {
                search = search with { IdNatPs = practitioner.Replace("Practitioner/", string.Empty, StringComparison.Ordinal) };
            }

            if (query["organization"].FirstOrDefault() is { Length: > 0 } organization)
            {
                search = search with { StructureKey = organization.Replace("Organization/", string.Empty, StringComparison.Ordinal) };
            }
        }

        var (keys, hasMore) = await store.SearchKeysAsync(search, grouping, offset, count, cancellationToken);
        var resources = new List<Resource>();
        foreach (var key in keys)
        {
            switch (grouping)
            {
                case KeyGrouping.Professional:
                    var mailboxes = await store.FindByProfessionalAsync(key, cancellationToken);
                    if (mailboxes.Count > 0)
                    {
                        resources.Add(FhirMapper.ToPractitioner(key, mailboxes));
                    }

                    break;
                case KeyGrouping.Structure:
                    var attached = await store.FindByStructureAsync(key, cancellationToken);
                    if (attached.Count > 0)
                    {
                        resources.Add(FhirMapper.ToOrganization(key, attached));
                    }

                    break;
                default:
                    var separator = key.IndexOf('|', StringComparison.Ordinal);
                    var role = await RoleEntriesAsync(store, FhirMapper.RoleId(key[..separator], key[(separator + 1)..]), cancellationToken);
                    if (role is { Entries.Count: > 0 } found)
                    {
                        resources.Add(FhirMapper.ToPractitionerRole(found.Professional, found.Structure, found.Entries));
                    }

                    break;
            }
        }

        return Fhir(Searchset(request, resources, hasMore, count, offset));
    }

    private static DirectorySearch? ProfessionalIdentifier(DirectorySearch search, string? system, string value) => system switch
    {
        null or "" => value.Length switch
        {
            11 => search with { Rpps = value },
            9 => search with { Adeli = value },
            _ => search with { IdNatPs = value },
        },
        FhirMapper.IdNatPsSystem => search with { IdNatPs = value },
        FhirMapper.RppsSystem => search with { Rpps = value },
        _ => null,
    };

    private static DirectorySearch? StructureIdentifier(DirectorySearch search, string? system, string value) => system switch
    {
        null or "" => value.Length switch
        {
            9 => search with { Finess = value },
            14 => search with { Siret = value },
            _ => search with { StructureKey = value },
        },
        FhirMapper.IdNatStSystem => search with { StructureKey = value },
        FhirMapper.FinessSystem => search with { Finess = value },
        FhirMapper.SiretSystem => search with { Siret = value },
        _ => null,
    };

    /// <summary>A token parameter: <c>system|value</c>, <c>|value</c> or <c>value</c>.</summary>
    private static (string? System, string Value) SplitToken(string token)
    {
        var bar = token.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? (null, token.Trim()) : (token[..bar].Trim(), token[(bar + 1)..].Trim());
    }

    private static Bundle Searchset(HttpRequest request, IReadOnlyList<Resource> resources, bool hasMore, int count, int offset)
    {
        var baseUrl = BaseUrl(request);
        var now = request.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var bundle = new Bundle
        {
            Id = Guid.NewGuid().ToString("N"),
            Type = Bundle.BundleType.Searchset,
            Timestamp = now,
            Meta = new Meta { LastUpdated = now },
        };
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = request.GetEncodedUrl() });
        if (hasMore)
        {
            var next = new QueryBuilder(request.Query.Where(q => q.Key is not "_offset" and not "_count"))
            {
                { "_count", count.ToString(CultureInfo.InvariantCulture) },
                { "_offset", (offset + count).ToString(CultureInfo.InvariantCulture) },
            };
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = baseUrl + request.Path.Value!.TrimStart('/')[5..] + next.ToQueryString() });
        }

        if (!hasMore && offset == 0)
        {
            bundle.Total = resources.Count;
        }

        foreach (var resource in resources)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{baseUrl}{resource.TypeName}/{resource.Id}",
                Resource = resource,
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
            });
        }

        return bundle;
    }

    private static CapabilityStatement Capabilities(string baseUrl, DateTimeOffset now)
    {
        var statement = new CapabilityStatement
        {
            Id = "openmss-directory",
            Url = baseUrl + "metadata",
            Name = "OpenMssDirectory",
            Title = "Annuaire OpenMSS (MSSanté)",
            Status = PublicationStatus.Active,
            Date = now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Publisher = "OpenMSS",
            Kind = CapabilityStatementKind.Instance,
            Software = new CapabilityStatement.SoftwareComponent { Name = "OpenMSS directory" },
            Implementation = new CapabilityStatement.ImplementationComponent { Description = "Annuaire national OpenMSS", Url = baseUrl },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = ["json"],
        };
        var rest = new CapabilityStatement.RestComponent { Mode = CapabilityStatement.RestfulCapabilityMode.Server };
        foreach (var type in new[] { "Practitioner", "PractitionerRole", "Organization" })
        {
            var resource = new CapabilityStatement.ResourceComponent { Type = type };
            resource.Interaction.Add(new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read });
            resource.Interaction.Add(new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType });
            resource.SearchParam.Add(Param("identifier", SearchParamType.Token));
            resource.SearchParam.Add(Param("name", SearchParamType.String));
            resource.SearchParam.Add(Param("mailbox-mss", SearchParamType.String, "https://interop.esante.gouv.fr/ig/fhir/annuaire/SearchParameter/as-sp-mailbox-mss"));
            resource.SearchParam.Add(Param("mailbox-mss-type", SearchParamType.Token, "https://interop.esante.gouv.fr/ig/fhir/annuaire/SearchParameter/as-sp-mailbox-mss-type"));
            rest.Resource.Add(resource);
        }

        statement.Rest.Add(rest);
        return statement;
    }

    private static CapabilityStatement.SearchParamComponent Param(string name, SearchParamType type, string? definition = null) =>
        new() { Name = name, Type = type, Definition = definition };

    private static bool TryInt(string? text, int fallback, int min, int max, out int value)
    {
        value = fallback;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    private static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}/fhir/";

    private static IResult NotFound(string type, string id) =>
        Outcome(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"Aucune ressource {type} « {id} » dans l'annuaire.");

    private static IResult Outcome(int status, OperationOutcome.IssueType type, string text)
    {
        var outcome = new OperationOutcome();
        outcome.Issue.Add(new OperationOutcome.IssueComponent
        {
            Severity = OperationOutcome.IssueSeverity.Error,
            Code = type,
            Diagnostics = text,
        });
        return Results.Text(outcome.ToJson(), FhirJson, statusCode: status);
    }

    private static IResult Fhir(Resource resource) => Results.Text(resource.ToJson(), FhirJson);
}
