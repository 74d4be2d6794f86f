using OpenMss.Core;
using OpenMss.Directory.Api;
using OpenMss.Testing;

namespace OpenMss.Directory.Testing;

/// <summary>
/// Two running directory servers (SQLite and PostgreSQL) over HTTPS on 127.0.0.1:0, seeded with the same
/// small directory, with the test operators registered. Shared by the HTTP test classes (read-mostly: tests
/// that publish use addresses of their own).
/// </summary>
public sealed class DirectoryServerFixture : IAsyncLifetime
{
    public const string HeleneAddress = "helene.dupont@pharmacien.mssante.fr";
    public const string DurandAddress = "h.durand@medecin.mssante.fr";
    public const string AdeliAddress = "ines.adeli@infirmier.mssante.fr";
    public const string GareAddress = "pharmacie.gare@pharmacien.mssante.fr";
    public const string BellecourAddress = "officine.bellecour@pharmacien.mssante.fr";
    public const string BellecourPharmacistAddress = "joel.noel@pharmacien.mssante.fr";
    public const string VilleurbanneAddress = "pharmacie.villeurbanne@pharmacien.mssante.fr";
    public const string BourgAddress = "pharmacie.bourg@pharmacien.mssante.fr";
    public const string MarseilleAddress = "pharmacie.vieux-port@pharmacien.mssante.fr";
    public const string HospitalAddress = "accueil@chu-lyon.mssante.fr";
    public const string CabinetAddress = "cabinet.gambetta@medecin.mssante.fr";
    public const string LaboAddress = "resultats@labo.mssante.fr";
    public const string SecretAddress = "secret.praticien@medecin.mssante.fr";
    public const string SecretPharmacyAddress = "pharmacie.discrete@pharmacien.mssante.fr";
    public const string Adeli = "123456789";
    public const int PaginationCount = 25;

    private static readonly ExtractionGenerator Ids = new(11);

    public string HeleneRpps { get; } = Ids.Rpps();

    public string DurandRpps { get; } = Ids.Rpps();

    public string NoelRpps { get; } = Ids.Rpps();

    public string GareFiness { get; } = Ids.Finess("69");

    public string BellecourFiness { get; } = Ids.Finess("69");

    public string CabinetSiret { get; } = Ids.Siret();

    private readonly Dictionary<StoreBackend, (TestDirectory Directory, DirectoryServer Server)> servers = [];

    public DirectoryServer Server(StoreBackend backend) => servers[backend].Server;

    public IDirectoryStore Store(StoreBackend backend) => servers[backend].Directory.Store;

    public async Task InitializeAsync()
    {
        foreach (var backend in new[] { StoreBackend.Sqlite, StoreBackend.Postgres })
        {
            var directory = await TestDirectory.CreateAsync(backend);
            await directory.ImportLinesAsync(SeedLines());
            await SeedPublicationsAsync(directory.Store);
            await directory.Store.RegisterOperatorAsync(TestPki.PharmacienOperator, [TestPki.PharmacienDomain], "127.0.0.1:2525");
            await directory.Store.RegisterOperatorAsync(TestPki.MedecinOperator, [TestPki.MedecinDomain], "127.0.0.1:2526");
            await directory.Store.RegisterOperatorAsync("Mon espace santé", ["patient.mssante.fr"], "127.0.0.1:2527");
            servers[backend] = (directory, await DirectoryPki.StartAsync(directory.Store));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var (directory, server) in servers.Values)
        {
            await server.DisposeAsync();
            await directory.DisposeAsync();
        }
    }

    private IEnumerable<string> SeedLines()
    {
        yield return TestFiles.Per(HeleneAddress, HeleneRpps, "DUPONT", "Hélène", finess: GareFiness, structureName: "PHARMACIE DE LA GARE", postalCode: "69003", town: "LYON");
        yield return TestFiles.Per(DurandAddress, DurandRpps, "DURAND", "HELENE", "10", "Médecin", postalCode: "75011", town: "PARIS");
        yield return TestFiles.Line((1, "PER"), (2, AdeliAddress), (3, "0"), (4, Adeli), (5, "0" + Adeli), (10, "ADELI"), (11, "Inès"),
            (14, "60"), (15, "Infirmier"), (29, "33000"), (28, "33000 BORDEAUX"));
        yield return TestFiles.Org(GareAddress, GareFiness, "PHARMACIE DE LA GARE", "69003", "LYON");
        yield return TestFiles.Org(BellecourAddress, BellecourFiness, "SELARL BELLECOUR", "69002", "LYON", sign: "OFFICINE BELLECOUR");
        yield return TestFiles.Per(BellecourPharmacistAddress, NoelRpps, "NOËL", "Joël", finess: BellecourFiness, structureName: "SELARL BELLECOUR", postalCode: "69002", town: "LYON");
        yield return TestFiles.Org(VilleurbanneAddress, Ids.Finess("69"), "PHARMACIE DES GRATTE-CIEL", "69100", "VILLEURBANNE");
        yield return TestFiles.Org(BourgAddress, Ids.Finess("01"), "PHARMACIE DU BASTION", "01000", "BOURG-EN-BRESSE");
        yield return TestFiles.Org(MarseilleAddress, Ids.Finess("13"), "PHARMACIE DU VIEUX-PORT", "13001", "MARSEILLE");
        yield return TestFiles.Org(HospitalAddress, Ids.Finess("69"), "HOSPICES CIVILS DE LYON", "69003", "LYON");
        yield return TestFiles.Line((1, "CAB"), (2, CabinetAddress), (6, "3"), (7, CabinetSiret), (19, "CABINET GAMBETTA"), (29, "75020"), (28, "75020 PARIS"));
        yield return TestFiles.Line((1, "APP"), (2, LaboAddress), (6, "3"), (7, Ids.Siret()), (8, "Biologie"), (19, "LABORATOIRE CENTRAL"), (29, "75013"), (28, "75013 PARIS"));
        for (var i = 0; i < PaginationCount; i++)
        {
            yield return TestFiles.Per($"page.{i:D2}@infirmier.mssante.fr", Ids.Rpps(), "PAGINATION", $"Prénom{i:D2}", "60", "Infirmier", postalCode: "33000", town: "BORDEAUX");
        }
    }

    private async Task SeedPublicationsAsync(IDirectoryStore store)
    {
        await store.PublishAsync(new DirectoryEntry
        {
            Address = SecretAddress,
            Kind = MailboxKind.Personal,
            Professional = new ProfessionalInfo { IdType = "8", Identifier = Ids.Rpps(), LastName = "SECRETNAME", FirstName = "Discret", ProfessionCode = "10" },
            ListeRouge = true,
        });
        await store.PublishAsync(new DirectoryEntry
        {
            Address = SecretPharmacyAddress,
            Kind = MailboxKind.Organisational,
            Structure = new StructureInfo { IdType = "1", Identifier = Ids.Finess("69"), Name = "PHARMACIE DISCRÈTE", PostalCode = "69003", Line6 = "69003 LYON" },
            ListeRouge = true,
        });
    }
}

[CollectionDefinition(Name)]
public sealed class DirectoryServerCollection : ICollectionFixture<DirectoryServerFixture>
{
    public const string Name = "directory servers";
}
