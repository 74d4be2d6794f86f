using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using OpenMss.Directory.Testing;
using OpenMss.Testing;
using OpenMss.Trust;
using F = OpenMss.Directory.Testing.DirectoryServerFixture;

namespace OpenMss.Directory.Tests;

[Collection(DirectoryServerCollection.Name)]
public sealed class SearchApiTests(DirectoryServerFixture fixture)
{
    public static TheoryData<StoreBackend> Backends => TestStores.Backends;

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Every_search_filter_finds_what_it_should(StoreBackend backend)
    {
        using var client = DirectoryPki.Client(fixture.Server(backend).BaseUrl);
        var cases = new (string Query, string[] Expected)[]
        {
            ("name=Hélène", [F.HeleneAddress, F.DurandAddress]),
            ("name=HELENE", [F.HeleneAddress, F.DurandAddress]),
            ("name=hélène%20dup", [F.HeleneAddress]),
            ("name=joel", [F.BellecourPharmacistAddress]),
            ("name=bellecour", [F.BellecourAddress, F.BellecourPharmacistAddress]),
            ("name=officine", [F.BellecourAddress]),
            ($"rpps={fixture.HeleneRpps}", [F.HeleneAddress]),
            ($"adeli={F.Adeli}", [F.AdeliAddress]),
            ($"finess={fixture.GareFiness}", [F.HeleneAddress, F.GareAddress]),
            ($"siret={fixture.CabinetSiret}", [F.CabinetAddress]),
            ($"address={F.HeleneAddress}", [F.HeleneAddress]),
            ("address=HELENE.DUP", [F.HeleneAddress]),
            ("kind=APP", [F.LaboAddress]),
            ("kind=cab", [F.CabinetAddress]),
            ("profession=21", [F.HeleneAddress, F.BellecourPharmacistAddress]),
            ("profession=pharm", [F.HeleneAddress, F.BellecourPharmacistAddress]),
            ("profession=médecin", [F.DurandAddress]),
            ("postalCode=69&kind=ORG", [F.GareAddress, F.BellecourAddress, F.VilleurbanneAddress, F.HospitalAddress]),
            ("postalCode=69003", [F.HeleneAddress, F.GareAddress, F.HospitalAddress]),
            ("town=lyon&kind=ORG", [F.GareAddress, F.BellecourAddress, F.HospitalAddress]),
            ("town=Villeurbanne", [F.VilleurbanneAddress]),
            ("name=dupont&town=paris", []),
            ("name=secretname", []),
            ("name=discrete", []),
        };

        foreach (var (query, expected) in cases)
        {
            var page = await GetJsonAsync(client, "api/search?" + query);
            var addresses = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("address").GetString()!).ToList();
            Assert.True(expected.Order().SequenceEqual(addresses.Order()), $"{query}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", addresses)}]");
            Assert.Equal(expected.Length, page.GetProperty("total").GetInt32());
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Search_results_carry_the_mailbox_details(StoreBackend backend)
    {
        using var client = DirectoryPki.Client(fixture.Server(backend).BaseUrl);
        var page = await GetJsonAsync(client, $"api/search?rpps={fixture.HeleneRpps}");
        var item = page.GetProperty("items")[0];
        Assert.Equal("PER", item.GetProperty("kind").GetString());
        Assert.Equal("Hélène DUPONT", item.GetProperty("displayName").GetString());
        Assert.Equal("8" + fixture.HeleneRpps, item.GetProperty("professional").GetProperty("idNatPs").GetString());
        Assert.Equal("Pharmacien", item.GetProperty("professional").GetProperty("professionLabel").GetString());
        Assert.Equal("LYON", item.GetProperty("structure").GetProperty("town").GetString());
        Assert.Equal("1" + fixture.GareFiness, item.GetProperty("structure").GetProperty("idNatSt").GetString());
        Assert.True(item.GetProperty("dematerialisation").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Search_is_paginated_without_overlap(StoreBackend backend)
    {
        using var client = DirectoryPki.Client(fixture.Server(backend).BaseUrl);
        var seen = new List<string>();
        for (var pageNumber = 1; pageNumber <= 3; pageNumber++)
        {
            var page = await GetJsonAsync(client, $"api/search?name=pagination&pageSize=10&page={pageNumber}");
            Assert.Equal(F.PaginationCount, page.GetProperty("total").GetInt32());
            Assert.Equal(pageNumber < 3, page.GetProperty("hasMore").GetBoolean());
            var items = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("address").GetString()!).ToList();
            Assert.Equal(pageNumber < 3 ? 10 : 5, items.Count);
            seen.AddRange(items);
        }

        Assert.Equal(Enumerable.Range(0, F.PaginationCount).Select(i => $"page.{i:D2}@infirmier.mssante.fr"), seen);
        var beyond = await GetJsonAsync(client, "api/search?name=pagination&pageSize=10&page=4");
        Assert.Empty(beyond.GetProperty("items").EnumerateArray());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Liste_rouge_entries_are_routable_by_exact_address_only(StoreBackend backend)
    {
        using var client = DirectoryPki.Client(fixture.Server(backend).BaseUrl);
        Assert.Empty((await GetJsonAsync(client, "api/search?name=secretname")).GetProperty("items").EnumerateArray());
        Assert.Empty((await GetJsonAsync(client, "api/search?address=secret.praticien")).GetProperty("items").EnumerateArray());
        Assert.Empty((await GetJsonAsync(client, "api/search?profession=10&name=discret")).GetProperty("items").EnumerateArray());

        // Anyone learns that the address exists (it is routable), not who holds it.
        var exact = await GetJsonAsync(client, "api/mailboxes/" + Uri.EscapeDataString(F.SecretAddress.ToUpperInvariant()));
        Assert.Equal(F.SecretAddress, exact.GetProperty("address").GetString());
        Assert.True(exact.GetProperty("listeRouge").GetBoolean());
        Assert.False(exact.TryGetProperty("professional", out var withheld) && withheld.ValueKind != JsonValueKind.Null);
        Assert.Equal(string.Empty, exact.GetProperty("displayName").GetString());
        Assert.DoesNotContain("secretname", exact.GetRawText(), StringComparison.OrdinalIgnoreCase);

        // An operator of the trust space (mutual TLS) gets the whole entry.
        using var operatorClient = DirectoryPki.Client(fixture.Server(backend).BaseUrl, TestPki.Pharmacien.Certificate);
        var full = await GetJsonAsync(operatorClient, "api/mailboxes/" + Uri.EscapeDataString(F.SecretAddress));
        Assert.Equal(JsonValueKind.Object, full.GetProperty("professional").ValueKind);

        var public1 = await GetJsonAsync(client, "api/mailboxes/" + F.GareAddress);
        Assert.False(public1.GetProperty("listeRouge").GetBoolean());

        using var unknown = await client.GetAsync("api/mailboxes/personne@pharmacien.mssante.fr");
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound);

        var exported = await ImportTests.ExportTextAsync(fixture.Store(backend));
        Assert.DoesNotContain(F.SecretAddress, exported, StringComparison.Ordinal);
        Assert.Contains(F.GareAddress, exported, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Pharmacies_near_a_postal_code_come_from_the_same_departement_first(StoreBackend backend)
    {
        using var client = DirectoryPki.Client(fixture.Server(backend).BaseUrl);
        var near = await GetJsonAsync(client, "api/pharmacies?postalCode=69001&limit=5");
        var items = near.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(
            [F.BellecourAddress, F.GareAddress, F.VilleurbanneAddress, F.MarseilleAddress, F.BourgAddress],
            items.Select(i => i.GetProperty("address").GetString()));
        Assert.Equal([true, true, true, false, false], items.Select(i => i.GetProperty("sameDepartment").GetBoolean()));
        Assert.Equal(fixture.BellecourFiness, items[0].GetProperty("finess").GetString());

        var inTown = await GetJsonAsync(client, "api/pharmacies?town=Lyon");
        Assert.Equal([F.BellecourAddress, F.GareAddress], inTown.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("address").GetString()));

        using var missing = await client.GetAsync("api/pharmacies");
        var problem = await AssertProblemAsync(missing, HttpStatusCode.BadRequest);
        Assert.Contains("code postal", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task The_whitelist_lists_the_operators_domains_in_the_official_shape(StoreBackend backend)
    {
        using var client = DirectoryPki.Client(fixture.Server(backend).BaseUrl);
        using var response = await client.GetAsync("whitelist.xml");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        var document = XDocument.Parse(await response.Content.ReadAsStringAsync());
        XNamespace ns = "https://listeblanche.mssante.fr/schema";
        Assert.Equal(ns + "ListeBlancheMSSante", document.Root!.Name);
        var names = document.Root.Element(ns + "ListeDomaines")!.Elements(ns + "Domaine").Select(d => d.Element(ns + "Nom")!.Value).ToList();
        Assert.Equal(["medecin.mssante.fr", "patient.mssante.fr", "pharmacien.mssante.fr"], names.Order());

        var parsed = Whitelist.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(parsed.Contains("PHARMACIEN.mssante.fr"));
        Assert.False(parsed.Contains(TestPki.PirateDomain));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task The_routing_table_maps_each_domain_to_its_relay(StoreBackend backend)
    {
        using var client = DirectoryPki.Client(fixture.Server(backend).BaseUrl);
        var routes = await GetJsonAsync(client, "api/routing");
        Assert.Equal("127.0.0.1:2525", routes.GetProperty("pharmacien.mssante.fr").GetString());
        Assert.Equal("127.0.0.1:2526", routes.GetProperty("medecin.mssante.fr").GetString());
        Assert.Equal("127.0.0.1:2527", routes.GetProperty("patient.mssante.fr").GetString());

        var table = new StaticRouteTable(routes.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetString()!)));
        Assert.Equal(2526, Assert.Single(await table.ResolveAsync("medecin.mssante.fr")).Port);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Errors_are_problem_details_in_french_without_internals(StoreBackend backend)
    {
        using var client = DirectoryPki.Client(fixture.Server(backend).BaseUrl);
        foreach (var (path, status, detailPart) in new[]
        {
            ("api/search?page=zero", HttpStatusCode.BadRequest, "page"),
            ("api/search?pageSize=1000", HttpStatusCode.BadRequest, "pageSize"),
            ("api/search?kind=XYZ", HttpStatusCode.BadRequest, "PER, ORG, APP ou CAB"),
            ("api/search?rpps=123", HttpStatusCode.BadRequest, "RPPS"),
            ("api/search?postalCode=7500011", HttpStatusCode.BadRequest, "code postal"),
            ("api/mailboxes/jean@gmail.com", HttpStatusCode.BadRequest, "mssante.fr"),
            ("api/nothing-here", HttpStatusCode.NotFound, string.Empty),
        })
        {
            using var response = await client.GetAsync(path);
            var problem = await AssertProblemAsync(response, status);
            if (detailPart.Length > 0)
            {
                Assert.Contains(detailPart, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task The_search_page_is_french_and_encodes_what_it_shows(StoreBackend backend)
    {
        using var client = DirectoryPki.Client(fixture.Server(backend).BaseUrl);
        using var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Equal("text/html", home.Content.Headers.ContentType?.MediaType);
        var homeHtml = await home.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"fr\">", homeHtml, StringComparison.Ordinal);
        Assert.Contains("<label for=\"name\">", homeHtml, StringComparison.Ordinal);

        var results = await client.GetStringAsync("/recherche?name=h%C3%A9l%C3%A8ne&profession=pharmacien&town=lyon");
        Assert.Contains(F.HeleneAddress, results, StringComparison.Ordinal);
        Assert.Contains("1 résultat", results, StringComparison.Ordinal);
        Assert.DoesNotContain(F.DurandAddress, results, StringComparison.Ordinal);

        var hostile = await client.GetStringAsync("/recherche?name=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
        Assert.DoesNotContain("<script>", hostile, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", hostile, StringComparison.Ordinal);
        Assert.Contains("Aucun résultat", hostile, StringComparison.Ordinal);
    }

    internal static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    internal static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        return problem;
    }
}
