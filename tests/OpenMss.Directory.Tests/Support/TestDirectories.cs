using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Directory.Api;
using OpenMss.Directory.Extraction;
using OpenMss.Testing;
using OpenMss.Trust;

namespace OpenMss.Directory.Testing;

/// <summary>A migrated directory store on a database of its own (SQLite file or PostgreSQL database), deleted on dispose.</summary>
public sealed class TestDirectory : IAsyncDisposable
{
    private TestDirectory(TestDatabase database, IDirectoryStore store, DirectoryStoreOptions options)
    {
        Database = database;
        Store = store;
        Options = options;
    }

    public TestDatabase Database { get; }

    public IDirectoryStore Store { get; private set; }

    public DirectoryStoreOptions Options { get; }

    public static async Task<TestDirectory> CreateAsync(StoreBackend backend)
    {
        var database = await TestDatabase.CreateAsync(backend);
        var options = new DirectoryStoreOptions
        {
            Provider = backend == StoreBackend.Sqlite ? DirectoryStoreOptions.Sqlite : DirectoryStoreOptions.Postgres,
            ConnectionString = backend == StoreBackend.Sqlite ? Path.Combine(database.Directory, "directory.db") : database.Options.ConnectionString,
        };
        try
        {
            return new TestDirectory(database, await DirectoryStoreFactory.OpenAsync(options), options);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>Imports the given lines (header added).</summary>
    public Task<ImportResult> ImportLinesAsync(IEnumerable<string> lines, IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ExtractionImporter.ImportAsync(Store, TestFiles.Extraction(lines), progress, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>Extraction files in memory.</summary>
public static class TestFiles
{
    public static MemoryStream Extraction(IEnumerable<string> lines)
    {
        var text = ExtractionFormat.HeaderLine + "\n" + string.Join("\n", lines) + "\n";
        return new MemoryStream(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>A line from its 31 fields given by column number (1-based); the others empty.</summary>
    public static string Line(params (int Column, string Value)[] fields)
    {
        var values = new string[ExtractionFormat.ColumnCount];
        Array.Fill(values, string.Empty);
        foreach (var (column, value) in fields)
        {
            values[column - 1] = value;
        }

        return string.Join('|', values);
    }

    /// <summary>A PER line.</summary>
    public static string Per(string address, string rpps, string last, string first, string professionCode = "21", string professionLabel = "Pharmacien",
        string? finess = null, string? structureName = null, string postalCode = "75011", string town = "PARIS") =>
        Line((1, "PER"), (2, address), (3, "8"), (4, rpps), (5, "8" + rpps), (6, finess is null ? string.Empty : "1"), (7, finess ?? string.Empty),
            (9, "M"), (10, last), (11, first), (12, "C"), (13, "Civil"), (14, professionCode), (15, professionLabel), (18, "O"),
            (19, structureName ?? string.Empty), (20, structureName ?? string.Empty), (26, "DE LA PAIX"),
            (28, postalCode + " " + town), (29, postalCode), (30, postalCode[..2]), (31, "FRANCE"));

    /// <summary>An ORG line.</summary>
    public static string Org(string address, string finess, string name, string postalCode, string town, string? sign = null) =>
        Line((1, "ORG"), (2, address), (6, "1"), (7, finess), (18, "O"), (19, name), (20, sign ?? name),
            (28, postalCode + " " + town), (29, postalCode), (30, postalCode[..2]), (31, "FRANCE"));
}

/// <summary>The test trust space's directory certificate and HTTP clients configured like an operator's.</summary>
public static class DirectoryPki
{
    public const string DirectoryHost = "annuaire.mssante.fr";

    private static readonly Lazy<IssuedCertificate> ServerLazy = new(() => TestPki.Authority.IssueOperatorCertificate("Annuaire national", [DirectoryHost]));

    /// <summary>The directory's HTTPS certificate (issued by the test authority for annuaire.mssante.fr).</summary>
    public static X509Certificate2 ServerCertificate => ServerLazy.Value.Certificate;

    /// <summary>An HttpClient that trusts only the test anchor for annuaire.mssante.fr and presents <paramref name="clientCertificate"/>.</summary>
    public static HttpClient Client(Uri baseUrl, X509Certificate2? clientCertificate = null)
    {
        var ssl = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = TlsSettings.ServerCertificateCallback(new TrustValidator(TestPki.Anchor), DirectoryHost),
        };
        if (clientCertificate is not null)
        {
            ssl.ClientCertificates = new X509CertificateCollection { clientCertificate };
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        var client = new HttpClient(new SocketsHttpHandler { SslOptions = ssl }) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>Starts a directory server over <paramref name="store"/> on 127.0.0.1:0.</summary>
    public static Task<DirectoryServer> StartAsync(IDirectoryStore store) =>
        DirectoryServer.StartAsync(new DirectoryServerOptions
        {
            Store = store,
            ServerCertificate = ServerCertificate,
            TrustAnchor = TestPki.Anchor,
            Revocation = TestPki.Crl,
        }, NullLoggerFactory.Instance);
}
