using System.Text;
using OpenMss.Core;
using OpenMss.Directory.Extraction;
using OpenMss.Directory.Testing;
using OpenMss.Testing;

namespace OpenMss.Directory.Tests;

public sealed class ImportTests
{
    private static readonly ExtractionGenerator Ids = new(7);

    public static TheoryData<StoreBackend> Backends => TestStores.Backends;

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Import_rejects_malformed_lines_with_their_number_and_keeps_anomalies(StoreBackend backend)
    {
        await using var directory = await TestDirectory.CreateAsync(backend);
        var goodRpps = Ids.Rpps();
        var badKeyRpps = ExtractionGenerator.BreakKey(Ids.Rpps());
        var ajaccio = Ids.Finess("2A");
        var bastiaBadKey = ExtractionGenerator.BreakKey(Ids.Finess("2B"));
        string[] lines =
        [
            /* 2 */ TestFiles.Per("helene.dupont@pharmacien.mssante.fr", goodRpps, "DUPONT", "Hélène"),
            /* 3 */ "PER|trop.court@pharmacien.mssante.fr|8|" + goodRpps,
            /* 4 */ TestFiles.Per("rpps.cle@pharmacien.mssante.fr", badKeyRpps, "CLÉ", "Fausse"),
            /* 5 */ TestFiles.Per("x@pharmacien.mssante.fr", goodRpps, "X", "Y").Replace("PER|", "XYZ|", StringComparison.Ordinal),
            /* 6 */ TestFiles.Per("jean.martin@gmail.com", goodRpps, "MARTIN", "Jean"),
            /* 7 */ TestFiles.Org("pharmacie.ajaccio@pharmacien.mssante.fr", ajaccio, "PHARMACIE DU PORT", "20000", "AJACCIO"),
            /* 8 */ TestFiles.Org("pharmacie.bastia@pharmacien.mssante.fr", bastiaBadKey, "PHARMACIE DE LA CITADELLE", "20200", "BASTIA"),
            /* 9 */ TestFiles.Per("helene.dupont@pharmacien.mssante.fr", goodRpps, "DUPONT", "Hélène"),
            /* 10 */ TestFiles.Per("patient@patient.mssante.fr", goodRpps, "P", "P"),
            /* 11 */ TestFiles.Per("a@b@pharmacien.mssante.fr", goodRpps, "A", "B"),
        ];

        var result = await directory.ImportLinesAsync(lines);

        Assert.Equal(11, result.LinesRead);
        Assert.Equal(4, result.Summary.Loaded);
        Assert.Equal([3L, 5, 6, 9, 10, 11], result.Rejected.Select(r => r.LineNumber));
        Assert.Contains("expected 31 columns", result.Rejected[0].Reason, StringComparison.Ordinal);
        Assert.Contains("unknown mailbox type 'XYZ'", result.Rejected[1].Reason, StringComparison.Ordinal);
        Assert.Contains(".mssante.fr", result.Rejected[2].Reason, StringComparison.Ordinal);
        Assert.Contains("duplicate address (already on line 2)", result.Rejected[3].Reason, StringComparison.Ordinal);
        Assert.Contains("patient", result.Rejected[4].Reason, StringComparison.Ordinal);

        // Anomalies: reported with their line, and the lines are kept as the source gives them.
        Assert.Contains(result.Anomalies, a => a.LineNumber == 4 && a.Reason.Contains("key", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(result.Anomalies, a => a.LineNumber == 8 && a.Reason.Contains("key", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(result.Anomalies, a => a.LineNumber is 2 or 7);
        var kept = await directory.Store.FindAsync("rpps.cle@pharmacien.mssante.fr");
        Assert.Equal(badKeyRpps, kept?.Professional?.Identifier);

        // Corsican FINESS numbers are kept with 2A/2B, found by exact identifier.
        var corsica = await directory.Store.SearchAsync(new DirectorySearch { Finess = ajaccio });
        Assert.Equal("pharmacie.ajaccio@pharmacien.mssante.fr", Assert.Single(corsica.Items).Address);
        Assert.StartsWith("2A", Assert.Single(corsica.Items).Structure!.Identifier, StringComparison.Ordinal);
        var bastia = await directory.Store.SearchAsync(new DirectorySearch { Finess = bastiaBadKey.ToLowerInvariant() });
        Assert.Equal("pharmacie.bastia@pharmacien.mssante.fr", Assert.Single(bastia.Items).Address);
        Assert.Null(await directory.Store.FindAsync("jean.martin@gmail.com"));
    }

    [Fact]
    public async Task A_file_that_is_not_an_extraction_changes_nothing()
    {
        await using var directory = await TestDirectory.CreateAsync(StoreBackend.Sqlite);
        await directory.ImportLinesAsync([TestFiles.Per("a.b@pharmacien.mssante.fr", Ids.Rpps(), "B", "A")]);

        var notExtraction = new MemoryStream(Encoding.UTF8.GetBytes("nom;prenom\nDUPONT;Jean\n"));
        await Assert.ThrowsAsync<ExtractionFormatException>(() => ExtractionImporter.ImportAsync(directory.Store, notExtraction));

        Assert.NotNull(await directory.Store.FindAsync("a.b@pharmacien.mssante.fr"));
        Assert.Equal(1, await directory.Store.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task An_interrupted_import_leaves_the_previous_directory_intact(StoreBackend backend)
    {
        await using var directory = await TestDirectory.CreateAsync(backend);
        var before = new ExtractionGenerator(1);
        var first = Enumerable.Range(0, 300).Select(_ => before.NextLine()).ToList();
        await directory.ImportLinesAsync(first);
        var exported = await ExportTextAsync(directory.Store);
        var count = await directory.Store.CountAsync();

        var after = new ExtractionGenerator(2);
        var second = Enumerable.Range(0, 2 * ExtractionImporter.ProgressInterval + 500).Select(_ => after.NextLine()).ToList();

        // Cancelled midway (the terminal's Ctrl-C): nothing changes.
        using (var cancel = new CancellationTokenSource())
        {
            var progress = new SyncProgress(p =>
            {
                if (p.Stage == ImportStage.Loading && p.LinesRead >= ExtractionImporter.ProgressInterval)
                {
                    cancel.Cancel();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => directory.ImportLinesAsync(second, progress, cancel.Token));
        }

        Assert.Equal(count, await directory.Store.CountAsync());
        Assert.Equal(exported, await ExportTextAsync(directory.Store));

        // A fault midway (disk, bug, anything thrown while loading): nothing changes either.
        var faulty = new SyncProgress(p =>
        {
            if (p.Stage == ImportStage.Loading && p.LinesRead >= ExtractionImporter.ProgressInterval)
            {
                throw new IOException("fault injected midway");
            }
        });
        await Assert.ThrowsAsync<IOException>(() => directory.ImportLinesAsync(second, faulty));
        Assert.Equal(exported, await ExportTextAsync(directory.Store));

        // A fault after every line was loaded, while indexing: still nothing.
        var late = new SyncProgress(p =>
        {
            if (p.Stage == ImportStage.Indexing)
            {
                throw new InvalidOperationException("fault injected at the end of the load");
            }
        });
        await Assert.ThrowsAsync<InvalidOperationException>(() => directory.ImportLinesAsync(second, late));
        Assert.Equal(exported, await ExportTextAsync(directory.Store));

        // And the same import, uninterrupted, goes through.
        var done = await directory.ImportLinesAsync(second);
        Assert.Equal(second.Count, done.Summary.Loaded + done.Rejected.Count);
        Assert.NotEqual(exported, await ExportTextAsync(directory.Store));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Reimport_updates_adds_and_removes_and_keeps_published_entries(StoreBackend backend)
    {
        await using var directory = await TestDirectory.CreateAsync(backend);
        var a = Ids.Rpps();
        var b = Ids.Rpps();
        var c = Ids.Rpps();
        var d = Ids.Rpps();
        await directory.ImportLinesAsync(
        [
            TestFiles.Per("a@pharmacien.mssante.fr", a, "ALPHA", "Anne"),
            TestFiles.Per("b@pharmacien.mssante.fr", b, "BRAVO", "Bruno"),
            TestFiles.Per("c@pharmacien.mssante.fr", c, "CHARLIE", "Chloé"),
            TestFiles.Per("p@pharmacien.mssante.fr", c, "FILE", "Version"),
        ]);
        await directory.Store.PublishAsync(new DirectoryEntry
        {
            Address = "p@pharmacien.mssante.fr",
            Kind = MailboxKind.Personal,
            Professional = new ProfessionalInfo { IdType = "8", Identifier = c, IdNatPs = "8" + c, LastName = "PUBLIÉE", FirstName = "Version" },
            ListeRouge = true,
        });
        await directory.Store.PublishAsync(new DirectoryEntry
        {
            Address = "q@pharmacien.mssante.fr",
            Kind = MailboxKind.Organisational,
            Structure = new StructureInfo { IdType = "1", Identifier = Ids.Finess("75"), Name = "PHARMACIE Q" },
        });

        var result = await directory.ImportLinesAsync(
        [
            TestFiles.Per("a@pharmacien.mssante.fr", a, "ALPHA", "Anne-Marie"),
            TestFiles.Per("b@pharmacien.mssante.fr", b, "BRAVO", "Bruno"),
            TestFiles.Per("d@pharmacien.mssante.fr", d, "DELTA", "Denis"),
            TestFiles.Per("p@pharmacien.mssante.fr", c, "FILE", "Version"),
        ]);

        Assert.Equal(new ReplaceSummary(Loaded: 3, Added: 1, Updated: 1, Removed: 1, Unchanged: 1, SupersededByPublication: 1), result.Summary);
        Assert.Equal("Anne-Marie", (await directory.Store.FindAsync("a@pharmacien.mssante.fr"))?.Professional?.FirstName);
        Assert.Null(await directory.Store.FindAsync("c@pharmacien.mssante.fr"));
        Assert.NotNull(await directory.Store.FindAsync("d@pharmacien.mssante.fr"));
        var published = await directory.Store.FindAsync("p@pharmacien.mssante.fr");
        Assert.Equal("PUBLIÉE", published?.Professional?.LastName);
        Assert.True(published?.ListeRouge);
        Assert.NotNull(await directory.Store.FindAsync("q@pharmacien.mssante.fr"));

        // Name terms follow the swap: the new name is searchable, the removed entry is not.
        Assert.Single((await directory.Store.SearchAsync(new DirectorySearch { Name = "anne-marie" })).Items);
        Assert.Empty((await directory.Store.SearchAsync(new DirectorySearch { Name = "charlie" })).Items);
        Assert.Single((await directory.Store.SearchAsync(new DirectorySearch { Name = "pharmacie q" })).Items);
        Assert.Empty((await directory.Store.SearchAsync(new DirectorySearch { Name = "publiee" })).Items);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Export_then_import_gives_back_the_same_directory(StoreBackend backend)
    {
        await using var source = await TestDirectory.CreateAsync(backend);
        var generator = new ExtractionGenerator(3);
        var lines = Enumerable.Range(0, 500).Select(_ => generator.NextLine()).ToList();
        var imported = await source.ImportLinesAsync(lines);
        Assert.Empty(imported.Rejected);
        await source.Store.PublishAsync(new DirectoryEntry
        {
            Address = "rouge@pharmacien.mssante.fr",
            Kind = MailboxKind.Personal,
            Professional = new ProfessionalInfo { IdType = "8", Identifier = Ids.Rpps(), LastName = "ROUGE" },
            ListeRouge = true,
        });

        var exported = await ExportTextAsync(source.Store);
        Assert.DoesNotContain("rouge@pharmacien.mssante.fr", exported, StringComparison.Ordinal);
        var exportedLines = exported.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ExtractionFormat.HeaderLine, exportedLines[0]);
        Assert.All(exportedLines, l => Assert.Equal(ExtractionFormat.ColumnCount, l.Split('|').Length));
        Assert.Equal(lines.Order(StringComparer.Ordinal), exportedLines.Skip(1).Order(StringComparer.Ordinal));

        await using var copy = await TestDirectory.CreateAsync(backend);
        var again = await ExtractionImporter.ImportAsync(copy.Store, new MemoryStream(Encoding.UTF8.GetBytes(exported)));
        Assert.Empty(again.Rejected);
        Assert.Equal(exported, await ExportTextAsync(copy.Store));
    }

    [Fact]
    public async Task Import_accepts_a_bom_crlf_and_a_trailing_separator()
    {
        await using var directory = await TestDirectory.CreateAsync(StoreBackend.Sqlite);
        var line = TestFiles.Per("crlf@pharmacien.mssante.fr", Ids.Rpps(), "CRLF", "Line");
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(ExtractionFormat.HeaderLine + "|\r\n" + line + "|\r\n")).ToArray();

        var result = await ExtractionImporter.ImportAsync(directory.Store, new MemoryStream(bytes));

        Assert.Empty(result.Rejected);
        Assert.Equal("CRLF", (await directory.Store.FindAsync("crlf@pharmacien.mssante.fr"))?.Professional?.LastName);
    }

    internal static async Task<string> ExportTextAsync(IDirectoryStore store)
    {
        using var output = new MemoryStream();
        await ExtractionExporter.ExportAsync(store, output);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    /// <summary>An IProgress that runs on the reporting thread (Progress&lt;T&gt; would post elsewhere).</summary>
    private sealed class SyncProgress(Action<ImportProgress> action) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => action(value);
    }
}
