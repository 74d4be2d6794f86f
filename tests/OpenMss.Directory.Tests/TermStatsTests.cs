using Microsoft.Data.Sqlite;
using Npgsql;
using OpenMss.Core;
using OpenMss.Directory.Testing;
using OpenMss.Testing;

namespace OpenMss.Directory.Tests;

/// <summary>
/// Searches driven by the term statistics (schema version 2): the rarest word drives, the others are
/// probed or checked on the rows; the statistics follow imports and publications, and a version 1
/// directory with data is upgraded in place.
/// </summary>
public sealed class TermStatsTests
{
    private static readonly ExtractionGenerator Ids = new(11);

    public static TheoryData<StoreBackend> Backends => TestStores.Backends;

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Common_words_prefixes_and_liste_rouge_give_the_same_matches_as_the_words_say(StoreBackend backend)
    {
        await using var directory = await TestDirectory.CreateAsync(backend);
        var lines = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            // Many structures share every word but the last: "SELARL PHARMACIE MARIE" has common words only.
            lines.Add(TestFiles.Org($"pharmacie.{i}@pharmacien.mssante.fr", Ids.Finess("75"), i % 3 == 0 ? "SELARL PHARMACIE MARIE" : $"SELARL PHARMACIE N{i}", "75011", "PARIS"));
        }

        // Ten distinct words starting with "mar": more than a probe lists, so checked on the rows.
        foreach (var name in new[] { "MARA", "MARB", "MARC", "MARD", "MARE", "MARF", "MARG", "MARH", "MARI", "MARJ" })
        {
            lines.Add(TestFiles.Per($"{name.ToLowerInvariant()}.dupont@pharmacien.mssante.fr", Ids.Rpps(), "DUPONT", name));
        }

        lines.Add(TestFiles.Per("helene.dupont@pharmacien.mssante.fr", Ids.Rpps(), "DUPONT", "Hélène", finess: Ids.Finess("69"), structureName: "PHARMACIE MARIE", postalCode: "69003", town: "LYON"));
        await directory.ImportLinesAsync(lines);
        await directory.Store.PublishAsync(new DirectoryEntry
        {
            Address = "cachee.dupont@pharmacien.mssante.fr",
            Kind = MailboxKind.Personal,
            Professional = new ProfessionalInfo { IdType = "8", Identifier = Ids.Rpps(), LastName = "DUPONT", FirstName = "Cachée Marc" },
            ListeRouge = true,
        });

        var marie = await directory.Store.SearchAsync(new DirectorySearch { Name = "selarl pharmacie marie", PageSize = 100 });
        Assert.Equal(10, marie.Total);
        Assert.True(marie.TotalIsExact);
        Assert.All(marie.Items, e => Assert.Equal("SELARL PHARMACIE MARIE", e.Structure!.Name));

        // Prefixes, any order, accents and case ignored; the words may be in the professional's or the structure's names.
        var helene = await directory.Store.SearchAsync(new DirectorySearch { Name = "MARIE hél dup" });
        Assert.Equal("helene.dupont@pharmacien.mssante.fr", Assert.Single(helene.Items).Address);
        var inLyon = await directory.Store.SearchAsync(new DirectorySearch { Name = "pharmacie marie", Town = "lyon" });
        Assert.Equal("helene.dupont@pharmacien.mssante.fr", Assert.Single(inLyon.Items).Address);

        // A prefix of many words ("mar") with a common one ("dupont").
        var mar = await directory.Store.SearchAsync(new DirectorySearch { Name = "dupont mar", PageSize = 100 });
        Assert.Equal(11, mar.Total);
        Assert.Contains(mar.Items, e => e.Address == "helene.dupont@pharmacien.mssante.fr");
        Assert.DoesNotContain(mar.Items, e => e.Address.StartsWith("cachee", StringComparison.Ordinal));
        var ordered = mar.Items.Select(e => e.Address).ToList();
        Assert.Equal(11, ordered.Distinct(StringComparer.Ordinal).Count());

        // A word no mailbox has: nothing, whatever the others.
        var none = await directory.Store.SearchAsync(new DirectorySearch { Name = "pharmacie zzzz" });
        Assert.Equal(0, none.Total);
        Assert.True(none.TotalIsExact);

        // Liste rouge: absent from search, even by its only rare word.
        Assert.Equal(0, (await directory.Store.SearchAsync(new DirectorySearch { Name = "cachee dupont" })).Total);

        // Pagination over a multi-word search.
        var page2 = await directory.Store.SearchAsync(new DirectorySearch { Name = "selarl pharmacie", PageSize = 7, Page = 2 });
        var all = await directory.Store.SearchAsync(new DirectorySearch { Name = "selarl pharmacie", PageSize = 100 });
        Assert.Equal(30, all.Total);
        Assert.Equal(all.Items.Skip(7).Take(7).Select(e => e.Address), page2.Items.Select(e => e.Address));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Published_and_deleted_mailboxes_are_found_by_their_words_at_once(StoreBackend backend)
    {
        await using var directory = await TestDirectory.CreateAsync(backend);
        await directory.ImportLinesAsync(
        [
            TestFiles.Org("pharmacie.a@pharmacien.mssante.fr", Ids.Finess("75"), "PHARMACIE CENTRALE", "75011", "PARIS"),
            TestFiles.Org("pharmacie.b@pharmacien.mssante.fr", Ids.Finess("75"), "PHARMACIE DU MARCHE", "75012", "PARIS"),
        ]);

        // A word no imported mailbox has: the statistics learn it on publication.
        await directory.Store.PublishAsync(new DirectoryEntry
        {
            Address = "pharmacie.c@pharmacien.mssante.fr",
            Kind = MailboxKind.Organisational,
            Structure = new StructureInfo { IdType = "1", Identifier = Ids.Finess("75"), Name = "PHARMACIE ZÉPHYRIN", Line6 = "75013 PARIS", PostalCode = "75013" },
        });
        var found = await directory.Store.SearchAsync(new DirectorySearch { Name = "pharmacie zephyrin", Town = "paris" });
        Assert.Equal("pharmacie.c@pharmacien.mssante.fr", Assert.Single(found.Items).Address);

        Assert.True(await directory.Store.DeleteAsync("pharmacie.c@pharmacien.mssante.fr"));
        Assert.Equal(0, (await directory.Store.SearchAsync(new DirectorySearch { Name = "pharmacie zephyrin" })).Total);
        Assert.Equal(2, (await directory.Store.SearchAsync(new DirectorySearch { Name = "pharmacie", Town = "paris" })).Total);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task A_version_1_directory_with_data_is_upgraded_and_searched_the_same(StoreBackend backend)
    {
        await using var directory = await TestDirectory.CreateAsync(backend);
        await directory.ImportLinesAsync(
        [
            TestFiles.Org("pharmacie.marie@pharmacien.mssante.fr", Ids.Finess("75"), "SELARL PHARMACIE MARIE", "75011", "PARIS"),
            TestFiles.Org("pharmacie.paul@pharmacien.mssante.fr", Ids.Finess("75"), "SELARL PHARMACIE PAUL", "75011", "PARIS"),
            TestFiles.Per("helene.dupont@pharmacien.mssante.fr", Ids.Rpps(), "DUPONT", "Hélène"),
        ]);

        // Back to the version 1 schema: 0002 only added the statistics table.
        await ExecuteAsync(backend, directory.Options.ConnectionString!,
            "DROP TABLE dir_term_stats; DELETE FROM dir_schema_version WHERE version >= 2");
        Assert.Equal(1, await ScalarAsync(backend, directory.Options.ConnectionString!, "SELECT MAX(version) FROM dir_schema_version"));

        await using var upgraded = await DirectoryStoreFactory.OpenAsync(directory.Options);

        Assert.Equal(2, await ScalarAsync(backend, directory.Options.ConnectionString!, "SELECT MAX(version) FROM dir_schema_version"));
        Assert.Equal(3, await upgraded.CountAsync());
        var marie = await upgraded.SearchAsync(new DirectorySearch { Name = "pharmacie selarl marie" });
        Assert.Equal("pharmacie.marie@pharmacien.mssante.fr", Assert.Single(marie.Items).Address);
        var helene = await upgraded.SearchAsync(new DirectorySearch { Name = "Hélène DUPONT", Town = "Paris" });
        Assert.Equal("helene.dupont@pharmacien.mssante.fr", Assert.Single(helene.Items).Address);

        // The statistics were built from the existing terms: a common word drives nothing wrong.
        Assert.Equal(2, await ScalarAsync(backend, directory.Options.ConnectionString!, "SELECT n FROM dir_term_stats WHERE term = 'pharmacie' AND field = 2"));
    }

    private static async Task ExecuteAsync(StoreBackend backend, string connectionString, string sql)
    {
        if (backend == StoreBackend.Sqlite)
        {
            await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = connectionString, Pooling = false }.ToString());
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
        else
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task<long> ScalarAsync(StoreBackend backend, string connectionString, string sql)
    {
        object? result;
        if (backend == StoreBackend.Sqlite)
        {
            await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = connectionString, Pooling = false }.ToString());
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            result = await command.ExecuteScalarAsync();
        }
        else
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            result = await command.ExecuteScalarAsync();
        }

        return Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture);
    }
}
