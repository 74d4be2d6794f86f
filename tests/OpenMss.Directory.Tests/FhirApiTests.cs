using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Validation;
using OpenMss.Directory.Api;
using OpenMss.Directory.Testing;
using OpenMss.Testing;
using F = OpenMss.Directory.Testing.DirectoryServerFixture;
using Task = System.Threading.Tasks.Task;

namespace OpenMss.Directory.Tests;

[Collection(DirectoryServerCollection.Name)]
public sealed class FhirApiTests(DirectoryServerFixture fixture)
{
    private static readonly FhirJsonDeserializer Parser = new(new DeserializerSettings());

    public static TheoryData<StoreBackend> Backends => TestStores.Backends;

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task A_practitioner_reads_back_with_its_identifiers_and_mailbox_telecom(StoreBackend backend)
    {
        using var client = DirectoryPki.Client(fixture.Server(backend).BaseUrl);
        var practitioner = await ReadAsync<Practitioner>(client, "fhir/Practitioner/8" + fixture.HeleneRpps);

        Assert.Equal("8" + fixture.HeleneRpps, practitioner.Id);
        Assert.Contains(practitioner.Identifier, i => i.System == "urn:oid:1.2.250.1.71.4.2.1" && i.Value == "8" + fixture.HeleneRpps);
        Assert.Contains(practitioner.Identifier, i => i.System == "https://rpps.esante.gouv.fr" && i.Value == fixture.HeleneRpps);
        Assert.Equal("DUPONT", practitioner.Name[0].Family);
        Assert.Equal("Hélène", practitioner.Name[0].Given.Single());
        Assert.Equal("21", practitioner.Qualification[0].Code!.Coding[0].Code);

        var telecom = Assert.Single(practitioner.Telecom);
        Assert.Equal(ContactPoint.ContactPointSystem.Email, telecom.System);
        Assert.Equal(F.HeleneAddress, telecom.Value);
        var messaging = (Coding)telecom.GetExtension(FhirMapper.EmailTypeExtension)!.Value!;
        Assert.Equal(("https://mos.esante.gouv.fr/NOS/TRE_R256-TypeMessagerie/FHIR/TRE-R256-TypeMessagerie", "MSSANTE"), (messaging.System, messaging.Code));
        var metadata = telecom.GetExtension(FhirMapper.MailboxMetadataExtension)!;
        var type = (CodeableConcept)metadata.GetExtension("type")!.Value!;
        Assert.Equal(("https://mos.esante.gouv.fr/NOS/TRE_R257-TypeBAL/FHIR/TRE-R257-TypeBAL", "PER"), (type.Coding[0].System, type.Coding[0].Code));
        Assert.False(((FhirBoolean)metadata.GetExtension("listeRouge")!.Value!).Value!.Value);
        Assert.True(((FhirBoolean)metadata.GetExtension("digitization")!.Value!).Value!.Value);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Practitioner_search_by_identifier_name_and_mailbox(StoreBackend backend)
    {
        using var client = DirectoryPki.Client(fixture.Server(backend).BaseUrl);
        var idNat = "8" + fixture.HeleneRpps;
        foreach (var (query, expected) in new (string, string[])[]
        {
            ($"identifier=urn:oid:1.2.250.1.71.4.2.1|{idNat}", [idNat]),
            ($"identifier=https://rpps.esante.gouv.fr|{fixture.HeleneRpps}", [idNat]),
            ($"identifier={fixture.HeleneRpps}", [idNat]),
            ("identifier=http://example.org|123", []),
            ("name=helene", [idNat, "8" + fixture.DurandRpps]),
            ("name=bellecour", []),
            ($"mailbox-mss={F.HeleneAddress}", [idNat]),
            ("mailbox-mss=helene.d", [idNat]),
            ("mailbox-mss:exact=helene.d", []),
            ("mailbox-mss:contains=durand", ["8" + fixture.DurandRpps]),
            ("mailbox-mss-type=PER&name=dupont", [idNat]),
            ("mailbox-mss-type=ORG&name=dupont", []),
            ("name=secretname", []),
        })
        {
            var bundle = await ReadAsync<Bundle>(client, "fhir/Practitioner?" + query);
            Assert.Equal(Bundle.BundleType.Searchset, bundle.Type);
            var ids = bundle.Entry.Select(e => e.Resource!.Id).ToList();
            Assert.True(expected.Order().SequenceEqual(ids.Order()), $"{query}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", ids)}]");
            Assert.All(bundle.Entry, e => Assert.IsType<Practitioner>(e.Resource));
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Organizations_carry_their_org_mailboxes_and_roles_link_both(StoreBackend backend)
    {
        using var client = DirectoryPki.Client(fixture.Server(backend).BaseUrl);
        var bundle = await ReadAsync<Bundle>(client, "fhir/Organization?name=gare&mailbox-mss-type=https://mos.esante.gouv.fr/NOS/TRE_R257-TypeBAL/FHIR/TRE-R257-TypeBAL|ORG");
        var organization = Assert.IsType<Organization>(Assert.Single(bundle.Entry).Resource);
        Assert.Equal("1" + fixture.GareFiness, organization.Id);
        Assert.Contains(organization.Identifier, i => i.System == "https://finess.esante.gouv.fr" && i.Value == fixture.GareFiness);
        Assert.Equal("PHARMACIE DE LA GARE", organization.Name);
        Assert.Equal("LYON", organization.Address[0].City);
        Assert.Equal([F.GareAddress], organization.Telecom.Select(t => t.Value));

        var read = await ReadAsync<Organization>(client, $"fhir/Organization/1{fixture.GareFiness}");
        Assert.Equal(organization.Name, read.Name);
        var byFiness = await ReadAsync<Bundle>(client, $"fhir/Organization?identifier=https://finess.esante.gouv.fr|{fixture.GareFiness}");
        Assert.Single(byFiness.Entry);
        var bySiret = await ReadAsync<Bundle>(client, $"fhir/Organization?identifier={fixture.CabinetSiret}");
        Assert.Equal([F.CabinetAddress], Assert.IsType<Organization>(Assert.Single(bySiret.Entry).Resource).Telecom.Select(t => t.Value));

        var roles = await ReadAsync<Bundle>(client, $"fhir/PractitionerRole?practitioner=Practitioner/8{fixture.HeleneRpps}");
        var role = Assert.IsType<PractitionerRole>(Assert.Single(roles.Entry).Resource);
        Assert.Equal($"Practitioner/8{fixture.HeleneRpps}", role.Practitioner!.Reference);
        Assert.Equal($"Organization/1{fixture.GareFiness}", role.Organization!.Reference);
        Assert.Equal([F.HeleneAddress], role.Telecom.Select(t => t.Value));
        var readRole = await ReadAsync<PractitionerRole>(client, "fhir/PractitionerRole/" + role.Id);
        Assert.Equal(role.Id, readRole.Id);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Searches_page_with_count_and_offset(StoreBackend backend)
    {
        using var client = DirectoryPki.Client(fixture.Server(backend).BaseUrl);
        var first = await ReadAsync<Bundle>(client, "fhir/Practitioner?name=pagination&_count=10");
        Assert.Equal(10, first.Entry.Count);
        var next = first.Link.Single(l => l.Relation == "next").Url!;
        Assert.Contains("_offset=10", next, StringComparison.Ordinal);
        var second = await ReadAsync<Bundle>(client, new Uri(next).PathAndQuery.TrimStart('/'));
        Assert.Equal(10, second.Entry.Count);
        Assert.Empty(first.Entry.Select(e => e.Resource!.Id).Intersect(second.Entry.Select(e => e.Resource!.Id)));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Metadata_and_errors(StoreBackend backend)
    {
        using var client = DirectoryPki.Client(fixture.Server(backend).BaseUrl);
        var capabilities = await ReadAsync<CapabilityStatement>(client, "fhir/metadata");
        Assert.Equal(FHIRVersion.N4_0_1, capabilities.FhirVersion);
        var resources = capabilities.Rest[0].Resource;
        Assert.Equal(["Organization", "Practitioner", "PractitionerRole"], resources.Select(r => r.Type).Order());
        Assert.All(resources, r => Assert.Contains(r.SearchParam, p => p.Name == "mailbox-mss-type"));

        using var missing = await client.GetAsync("fhir/Practitioner/000000000000");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/fhir+json", missing.Content.Headers.ContentType?.MediaType);
        var outcome = Parser.Deserialize<OperationOutcome>(await missing.Content.ReadAsStringAsync());
        Assert.Equal(OperationOutcome.IssueType.NotFound, outcome!.Issue[0].Code);

        using var badCount = await client.GetAsync("fhir/Practitioner?_count=0");
        Assert.Equal(HttpStatusCode.BadRequest, badCount.StatusCode);

        // A name of hundreds of words is refused at once, as in the JSON API, with an OperationOutcome.
        var words = string.Join("%20", Enumerable.Range(0, 600).Select(i => "w" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var tooLong = await client.GetAsync("fhir/PractitionerRole?name=" + words);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal("application/fhir+json", tooLong.Content.Headers.ContentType?.MediaType);
        Assert.Equal(OperationOutcome.IssueType.TooLong, Parser.Deserialize<OperationOutcome>(await tooLong.Content.ReadAsStringAsync())!.Issue[0].Code);
    }

    private static async Task<T> ReadAsync<T>(HttpClient client, string path)
        where T : Resource
    {
        using var response = await client.GetAsync(path);
        var json = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {json}");
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        // Strict deserialization: unknown elements, wrong types or bad primitive values fail here.
        var resource = Parser.Deserialize<T>(json);
        // The base R4 definitions' cardinalities, types and invariants checked by the SDK's POCO validation.
        var problems = resource.Validate(Hl7.Fhir.Model.ModelInfo.ModelInspector, NarrativeValidationKind.FhirXhtml, validator: null, validateRecursively: true).ToList();
        Assert.True(problems.Count == 0, $"{path}: " + string.Join("; ", problems.Select(p => p.Message)));
        return resource!;
    }
}
