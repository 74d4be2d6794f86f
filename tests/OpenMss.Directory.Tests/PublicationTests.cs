using System.Net;
using System.Net.Http.Json;
using OpenMss.Directory.Client;
using OpenMss.Directory.Testing;
using OpenMss.Testing;

namespace OpenMss.Directory.Tests;

[Collection(DirectoryServerCollection.Name)]
public sealed class PublicationTests(DirectoryServerFixture fixture)
{
    private static readonly ExtractionGenerator Ids = new(23);

    public static TheoryData<StoreBackend> Backends => TestStores.Backends;

    private static string UniqueLocal(string prefix) => prefix + "." + Guid.NewGuid().ToString("N")[..8];

    private static DirectoryClient OperatorClient(Uri baseUrl, TestCredential? credential) => new(new DirectoryClientOptions
    {
        BaseUrl = baseUrl,
        TrustAnchor = TestPki.Anchor,
        ClientCertificate = credential?.Certificate,
        ServerName = DirectoryPki.DirectoryHost,
    });

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task An_operator_publishes_updates_lists_and_deletes_its_own_mailboxes(StoreBackend backend)
    {
        var server = fixture.Server(backend);
        using var client = OperatorClient(server.BaseUrl, TestPki.Pharmacien);
        var lastName = "PUBLIÉ" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        var address = UniqueLocal("officine") + "@" + TestPki.PharmacienDomain;
        var publication = new MailboxPublication
        {
            Kind = "ORG",
            Finess = Ids.Finess("69"),
            StructureName = "PHARMACIE " + lastName,
            PostalCode = "69004",
            Town = "Lyon",
            Responsible = "Titulaire",
            Phone = "04 72 00 00 00",
            Description = "Officine : ordonnances et questions des patients",
            Dematerialisation = true,
        };

        var created = await client.PublishMailboxAsync(address, publication);
        Assert.Equal(address, created.Address);
        Assert.Equal("publication", created.Source);
        Assert.Equal(TestPki.PharmacienOperator, created.PublishedBy);

        using var reader = DirectoryPki.Client(server.BaseUrl);
        var found = await SearchApiTests.GetJsonAsync(reader, "api/search?name=" + Uri.EscapeDataString(lastName));
        Assert.Equal(address, found.GetProperty("items")[0].GetProperty("address").GetString());
        Assert.Equal("LYON", found.GetProperty("items")[0].GetProperty("structure").GetProperty("town").GetString());
        var pharmacies = await SearchApiTests.GetJsonAsync(reader, "api/pharmacies?postalCode=69004&limit=1");
        Assert.Equal(address, pharmacies.GetProperty("items")[0].GetProperty("address").GetString());

        var updated = await client.PublishMailboxAsync(address, publication with { ListeRouge = true });
        Assert.True(updated.ListeRouge);
        Assert.Empty((await SearchApiTests.GetJsonAsync(reader, "api/search?name=" + Uri.EscapeDataString(lastName))).GetProperty("items").EnumerateArray());
        Assert.True((await client.FindMailboxAsync(address))!.ListeRouge);
        Assert.Contains(await client.ListMailboxesAsync(), m => m.Address == address);

        Assert.True(await client.DeleteMailboxAsync(address));
        Assert.False(await client.DeleteMailboxAsync(address));
        Assert.Null(await client.FindMailboxAsync(address));

        var audit = await fixture.Store(backend).QueryAuditAsync(address);
        Assert.Equal(["not-found", "deleted", "updated", "created"], audit.Select(a => a.Result));
        Assert.All(audit, a => Assert.Contains("pharmacien.mssante.fr", a.Actor, StringComparison.Ordinal));
        Assert.All(audit, a => Assert.Equal(TestPki.PharmacienOperator, a.Operator));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Publication_without_a_trusted_certificate_is_401(StoreBackend backend)
    {
        var server = fixture.Server(backend);
        var address = UniqueLocal("anonyme") + "@" + TestPki.PharmacienDomain;
        using var anonymous = DirectoryPki.Client(server.BaseUrl);
        using var response = await anonymous.PutAsJsonAsync("api/publication/mailboxes/" + address, new MailboxPublication { Kind = "PER", Rpps = Ids.Rpps() });
        var problem = await SearchApiTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("certificat", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        foreach (var bad in new[] { TestPki.ForeignPharmacien, TestPki.ExpiredPharmacien, TestPki.RevokedPharmacien })
        {
            using var client = OperatorClient(server.BaseUrl, bad);
            var refused = await Assert.ThrowsAsync<DirectoryRequestException>(() => client.PublishMailboxAsync(address, new MailboxPublication { Kind = "PER", Rpps = Ids.Rpps() }));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var list = await anonymous.GetAsync("api/publication/mailboxes");
        await SearchApiTests.AssertProblemAsync(list, HttpStatusCode.Unauthorized);
        Assert.Null(await fixture.Store(backend).FindAsync(address));
        Assert.All(await fixture.Store(backend).QueryAuditAsync(address), a => Assert.StartsWith("refused", a.Result, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task An_operator_may_not_touch_another_operators_domain(StoreBackend backend)
    {
        var server = fixture.Server(backend);
        using var pharmacien = OperatorClient(server.BaseUrl, TestPki.Pharmacien);
        var foreign = await Assert.ThrowsAsync<DirectoryRequestException>(() =>
            pharmacien.PublishMailboxAsync(UniqueLocal("intrus") + "@" + TestPki.MedecinDomain, new MailboxPublication { Kind = "PER", Rpps = Ids.Rpps() }));
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Contains("n'appartient pas", foreign.Detail, StringComparison.Ordinal);

        // Deleting someone else's mailbox is refused and changes nothing.
        var deleteForeign = await Assert.ThrowsAsync<DirectoryRequestException>(() => pharmacien.DeleteMailboxAsync(DirectoryServerFixture.DurandAddress));
        Assert.Equal(HttpStatusCode.Forbidden, deleteForeign.StatusCode);
        Assert.NotNull(await fixture.Store(backend).FindAsync(DirectoryServerFixture.DurandAddress));

        // A valid trust-space certificate whose domain is not registered to any operator of the directory.
        using var pirate = OperatorClient(server.BaseUrl, TestPki.Pirate);
        var unregistered = await Assert.ThrowsAsync<DirectoryRequestException>(() =>
            pirate.PublishMailboxAsync(UniqueLocal("capitaine") + "@" + TestPki.PirateDomain, new MailboxPublication { Kind = "PER", Rpps = Ids.Rpps() }));
        Assert.Equal(HttpStatusCode.Forbidden, unregistered.StatusCode);

        var audit = await fixture.Store(backend).QueryAuditAsync(DirectoryServerFixture.DurandAddress);
        Assert.Contains(audit, a => a.Action == "delete" && a.Result == "refused: foreign domain" && a.Operator == TestPki.PharmacienOperator);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Identifiers_are_checked_strictly_with_a_french_reason(StoreBackend backend)
    {
        var server = fixture.Server(backend);
        using var client = OperatorClient(server.BaseUrl, TestPki.Pharmacien);
        var address = UniqueLocal("cle") + "@" + TestPki.PharmacienDomain;
        foreach (var (publication, expected) in new (MailboxPublication, string)[]
        {
            (new MailboxPublication { Kind = "PER", Rpps = ExtractionGenerator.BreakKey(Ids.Rpps()) }, "RPPS"),
            (new MailboxPublication { Kind = "ORG", Finess = ExtractionGenerator.BreakKey(Ids.Finess("75")) }, "FINESS"),
            (new MailboxPublication { Kind = "ORG", Siret = ExtractionGenerator.BreakKey(Ids.Siret()) }, "SIRET"),
            (new MailboxPublication { Kind = "PER" }, "RPPS"),
            (new MailboxPublication { Kind = "ORG" }, "FINESS"),
            (new MailboxPublication { Kind = "XYZ" }, "PER, ORG, APP ou CAB"),
            (new MailboxPublication { Kind = "PER", Rpps = Ids.Rpps(), Responsible = "Quelqu'un" }, "responsable"),
        })
        {
            var refused = await Assert.ThrowsAsync<DirectoryRequestException>(() => client.PublishMailboxAsync(address, publication));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(expected, refused.Detail, StringComparison.Ordinal);
        }

        Assert.Null(await fixture.Store(backend).FindAsync(address));
        Assert.All(await fixture.Store(backend).QueryAuditAsync(address), a => Assert.StartsWith("refused", a.Result, StringComparison.Ordinal));

        // A malformed JSON body is a 400 problem too.
        using var raw = DirectoryPki.Client(server.BaseUrl, TestPki.Pharmacien.Certificate);
        using var response = await raw.PutAsync("api/publication/mailboxes/" + address, new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        await SearchApiTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task The_client_gets_routing_and_whitelist_and_refuses_a_foreign_server(StoreBackend backend)
    {
        var server = fixture.Server(backend);
        using var client = OperatorClient(server.BaseUrl, null);
        var routes = await client.GetRoutingAsync();
        Assert.Equal("127.0.0.1:2525", routes[TestPki.PharmacienDomain]);
        var whitelist = await client.GetWhitelistAsync();
        Assert.True(whitelist.Contains(TestPki.MedecinDomain));

        // A client expecting another name (or another trust anchor) refuses the server's certificate.
        using var wrongName = new DirectoryClient(new DirectoryClientOptions { BaseUrl = server.BaseUrl, TrustAnchor = TestPki.Anchor, ServerName = "autre.mssante.fr" });
        await Assert.ThrowsAsync<HttpRequestException>(() => wrongName.GetRoutingAsync());
        using var wrongAnchor = new DirectoryClient(new DirectoryClientOptions { BaseUrl = server.BaseUrl, TrustAnchor = TestPki.ForeignAuthority.PublicCertificate, ServerName = DirectoryPki.DirectoryHost });
        await Assert.ThrowsAsync<HttpRequestException>(() => wrongAnchor.GetRoutingAsync());
    }
}
