using OpenMss.PatientSpace.Import;
using OpenMss.PatientSpace.Registry;
using OpenMss.Testing;

namespace OpenMss.PatientSpace.Tests;

/// <summary>The CSV import: every invalid line reported with its number and reason, all or nothing, quoting, streaming.</summary>
public sealed class PatientImporterTests
{
    public static TheoryData<StoreBackend> Backends => TestStores.Backends;

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task A_valid_file_is_applied_whole(StoreBackend backend)
    {
        await using var test = await TestRegistry.CreateAsync(backend);
        var result = await test.ImportTextAsync(TestPatients.Csv(
            TestPatients.Line(TestPatients.Alice, PatientAccountState.Activated),
            $"{TestPatients.Bruno.Value};\"Bruno; Marie\";\"LE \"\"GRAND\"\"\";1962-03-02;;;not-activated",
            $"{TestPatients.Chiara.Value.ToLowerInvariant()};Chiara;ROSSI;1990-05-20;chiara@example.org;8025000001;OPPOSED"));

        Assert.True(result.Succeeded);
        Assert.Equal(3, result.Lines);
        Assert.Equal(3, result.Applied!.Added);
        var bruno = await test.Registry.FindAsync(TestPatients.Bruno);
        Assert.Equal(new PatientIdentity("Bruno; Marie", "LE \"GRAND\"", new DateOnly(1962, 3, 2), null, null), bruno!.Identity);
        // A Corsican INS in lower case is the same patient.
        Assert.Equal(PatientAccountState.Opposed, await test.Registry.FindStateAsync(TestPatients.Chiara));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Every_invalid_line_is_reported_and_nothing_is_imported(StoreBackend backend)
    {
        await using var test = await TestRegistry.CreateAsync(backend);
        var badKey = TestPatients.Bruno.Value[..13] + (TestPatients.Bruno.Key == 97 ? "01" : (TestPatients.Bruno.Key + 1).ToString("00", System.Globalization.CultureInfo.InvariantCulture));
        var reported = new List<PatientLineError>();
        var result = await test.ImportTextAsync(
            TestPatients.Csv(
                TestPatients.Line(TestPatients.Alice, PatientAccountState.Activated),
                $"{badKey};Bruno;LEROY;1962-03-02;;;activated",
                $"{TestPatients.Chiara.Value};Chiara;ROSSI;20/05/1990;;;activated",
                $"{TestPatients.Denis.Value};Denis;FABRE;1971-12-13;;;suspended",
                $"{TestPatients.Generated(1).Value};Eve;BLANC;1980-01-01;;",
                TestPatients.Line(TestPatients.Generated(2), PatientAccountState.NotActivated),
                $"12345;Zoe;NOIR;1980-01-01;;;activated"),
            reported.Add);

        Assert.False(result.Succeeded);
        Assert.Equal(7, result.Lines);
        Assert.Equal(5, result.InvalidLines);
        Assert.Equal(result.FirstErrors, reported);
        Assert.Collection(reported,
            e => Assert.Equal((3L, "bad INS key"), (e.Line, e.Reason)),
            e => Assert.Equal((4L, "bad date: birth_date must be a date written YYYY-MM-DD"), (e.Line, e.Reason)),
            e => Assert.Equal((5L, "unknown state: expected activated, not-activated, opposed or closed"), (e.Line, e.Reason)),
            e => Assert.Equal((6L, "wrong column count: 6 instead of 7"), (e.Line, e.Reason)),
            e => Assert.Equal((8L, "INS malformed (not 15 characters)"), (e.Line, e.Reason)));

        // The reasons never quote the line: no INS, no name.
        Assert.All(reported, e => Assert.DoesNotContain(badKey, e.Reason, StringComparison.Ordinal));
        Assert.Equal(0, await test.Registry.CountAsync());
    }

    [Fact]
    public async Task A_file_without_the_header_line_is_refused()
    {
        await using var test = await TestRegistry.CreateAsync(StoreBackend.Sqlite);
        var result = await test.ImportTextAsync(TestPatients.Line(TestPatients.Alice, PatientAccountState.Activated) + "\n");
        Assert.False(result.Succeeded);
        Assert.Equal(1, result.FirstErrors.Single().Line);
        Assert.StartsWith("the first line must be the header ins;given_names;", result.FirstErrors[0].Reason, StringComparison.Ordinal);

        var empty = await test.ImportTextAsync(string.Empty);
        Assert.False(empty.Succeeded);
        Assert.Equal(0, await test.Registry.CountAsync());
    }

    [Fact]
    public async Task A_stray_quote_and_a_bad_email_are_reported()
    {
        await using var test = await TestRegistry.CreateAsync(StoreBackend.Sqlite);
        var result = await test.ImportTextAsync(TestPatients.Csv(
            $"{TestPatients.Alice.Value};Ali\"ce;MARTIN;1985-07-14;;;activated",
            $"{TestPatients.Bruno.Value};Bruno;LEROY;1962-03-02;not an address;;activated"));

        Assert.Equal([2L, 3L], result.FirstErrors.Select(e => e.Line));
        Assert.Equal("insurer_email is not an e-mail address", result.FirstErrors[1].Reason);
    }

    [Fact]
    public async Task A_long_file_is_streamed_and_reports_progress()
    {
        const int count = 120_000;
        await using var test = await TestRegistry.CreateAsync(StoreBackend.Sqlite);
        var reports = new List<PatientImportProgress>();
        await using var file = new GeneratedPatientCsv(count);
        var result = await PatientImporter.ImportAsync(test.Registry, file, progress: new Recorder(reports));

        Assert.True(result.Succeeded, string.Join("; ", result.FirstErrors.Take(3)));
        Assert.Equal(count, result.Applied!.Total);
        Assert.Equal([50_000L, 100_000L, count], reports.Select(r => r.Lines));
        Assert.Equal(PatientAccountState.NotActivated, await test.Registry.FindStateAsync(TestPatients.Generated(count - 1)));
    }

    private sealed class Recorder(List<PatientImportProgress> reports) : IProgress<PatientImportProgress>
    {
        public void Report(PatientImportProgress value) => reports.Add(value);
    }
}
