using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using OpenMss.Directory.Api;
using OpenMss.Directory.Testing;
using OpenMss.Testing;
using F = OpenMss.Directory.Testing.DirectoryServerFixture;

namespace OpenMss.Directory.Tests;

/// <summary>What an operator's log collector and a browser see of the directory's web host.</summary>
[Collection(DirectoryServerCollection.Name)]
public sealed class WebHardeningTests(DirectoryServerFixture fixture)
{
    [Fact]
    public async Task Request_urls_with_search_terms_and_addresses_stay_out_of_the_logs_even_at_trace_level()
    {
        var logs = new ConcurrentQueue<string>();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new Capture(logs)));
        await using var server = await DirectoryServer.StartAsync(new DirectoryServerOptions
        {
            Store = fixture.Store(StoreBackend.Sqlite),
            ServerCertificate = DirectoryPki.ServerCertificate,
            TrustAnchor = TestPki.Anchor,
            Revocation = TestPki.Crl,
        }, loggers);
        using var client = DirectoryPki.Client(server.BaseUrl);

        using var search = await client.GetAsync("api/search?name=Zygomatique");
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        using var page = await client.GetAsync("recherche?name=Zygomatique");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var lookup = await client.GetAsync("api/mailboxes/" + Uri.EscapeDataString(F.HeleneAddress));
        using var publication = await client.DeleteAsync("api/publication/mailboxes/" + Uri.EscapeDataString(F.HeleneAddress));
        Assert.Equal(HttpStatusCode.Unauthorized, publication.StatusCode);

        Assert.DoesNotContain(logs, l => l.Contains("Zygomatique", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(logs, l => l.Contains("helene.dupont", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(logs, l => l.Contains("helene%2Edupont", StringComparison.OrdinalIgnoreCase) || l.Contains("%40pharmacien", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task The_search_page_and_the_api_answer_with_security_headers_and_no_server_banner()
    {
        using var client = DirectoryPki.Client(fixture.Server(StoreBackend.Sqlite).BaseUrl);
        using var page = await client.GetAsync("recherche?name=dupont");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.False(page.Headers.Contains("Server"));

        using var missing = await client.GetAsync("api/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_embedded_database_with_its_audit_trail_and_liste_rouge_is_readable_by_its_owner_only()
    {
        var folder = System.IO.Directory.CreateTempSubdirectory("openmss-dir-mode-");
        try
        {
            var path = Path.Combine(folder.FullName, "annuaire.db");
            await using (var store = await DirectoryStoreFactory.OpenAsync(new DirectoryStoreOptions { Provider = "sqlite", ConnectionString = path }))
            {
                await store.RegisterOperatorAsync("Pharmaciens", ["pharmacien.mssante.fr"], "127.0.0.1:2525");
                var files = System.IO.Directory.GetFiles(folder.FullName, "annuaire.db*");
                Assert.Contains(path + "-wal", files);
                Assert.All(files, f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    private sealed class Capture(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)} {exception}");
        }
    }
}
