using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OpenMss.Directory;
using OpenMss.Directory.Extraction;
using OpenMss.Directory.Testing;

// Directory benchmark (issue 3): imports a generated Extraction_Correspondance_MSSante file of the real
// file's size on SQLite and PostgreSQL, reports time and peak memory, then times searches (p50/p99).
// usage: dotnet run -c Release --project bench/OpenMss.Bench.Directory -- [--lines 540000] [--searches 2000]
//        [--backend both|sqlite|postgres] [--file path] [--db connection-string [--verbose true] [--query "name words"]]
// PostgreSQL: OPENMSS_TEST_POSTGRES names a server where a database may be created (bench/run.sh starts one).
// Each backend runs in a process of its own, so that the peak working set is that import's.
var options = Options.Parse(args);
if (options.Backend == "both")
{
    var file = options.File ?? Path.Combine(Path.GetTempPath(), $"openmss-extraction-{options.Lines}.txt");
    EnsureFile(file, options.Lines);
    var status = 0;
    foreach (var backend in new[] { "sqlite", "postgres" })
    {
        if (backend == "postgres" && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OPENMSS_TEST_POSTGRES")))
        {
            Console.WriteLine("postgres: skipped (set OPENMSS_TEST_POSTGRES, or run bench/run.sh)");
            continue;
        }

        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        foreach (var argument in Environment.GetCommandLineArgs()[0].EndsWith(".dll", StringComparison.Ordinal) ? new[] { Environment.GetCommandLineArgs()[0] } : [])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in new[] { "--backend", backend, "--file", file, "--lines", options.Lines.ToString(CultureInfo.InvariantCulture), "--searches", options.Searches.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start)!;
        await child.WaitForExitAsync();
        status |= child.ExitCode;
    }

    return status;
}

var path = options.File ?? Path.Combine(Path.GetTempPath(), $"openmss-extraction-{options.Lines}.txt");
EnsureFile(path, options.Lines);
if (options.Database is not null)
{
    // Searches only, on a directory kept from an earlier run (development aid).
    await using var existing = await DirectoryStoreFactory.OpenAsync(new DirectoryStoreOptions { Provider = options.Backend, ConnectionString = options.Database });
    if (await existing.CountAsync() == 0)
    {
        await ExtractionImporter.ImportFileAsync(existing, path);
    }

    if (options.Query is not null)
    {
        // One name search, repeated (development aid: the cost of one slow query).
        for (var i = 0; i < 10; i++)
        {
            var one = Stopwatch.StartNew();
            var found = await existing.SearchAsync(new DirectorySearch { Name = options.Query });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{options.Query}: {one.Elapsed.TotalMilliseconds:F2} ms, {found.Total} found"));
        }

        return 0;
    }

    await SearchAsync(existing, path, options);
    return 0;
}

var work = Path.Combine(Path.GetTempPath(), "openmss-bench-directory-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(work);
string? database = null;
string? admin = null;
var storeOptions = new DirectoryStoreOptions { Provider = options.Backend };
if (options.Backend == "sqlite")
{
    storeOptions.ConnectionString = Path.Combine(work, "directory.db");
}
else
{
    admin = Environment.GetEnvironmentVariable("OPENMSS_TEST_POSTGRES") ?? throw new InvalidOperationException("Set OPENMSS_TEST_POSTGRES.");
    database = "openmss_bench_" + Guid.NewGuid().ToString("N")[..12];
    await ExecuteAsync(admin, $"CREATE DATABASE {database}");
    storeOptions.ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
}

try
{
    await using var store = await DirectoryStoreFactory.OpenAsync(storeOptions);
    GC.Collect();
    var before = Process.GetCurrentProcess().PeakWorkingSet64;
    var clock = Stopwatch.StartNew();
    var result = await ExtractionImporter.ImportFileAsync(store, path);
    clock.Stop();
    using var self = Process.GetCurrentProcess();
    var peak = self.PeakWorkingSet64;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{options.Backend}: import of {result.LinesRead - 1:N0} lines: {clock.Elapsed.TotalSeconds:F1} s ({(result.LinesRead - 1) / clock.Elapsed.TotalSeconds:N0} lines/s), " +
        $"peak working set {peak / 1048576.0:F0} MiB (before import {before / 1048576.0:F0} MiB), GC heap max {GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0:F0} MiB, " +
        $"{result.Summary.Loaded:N0} loaded, {result.Rejected.Count} rejected, {result.Anomalies.Count} anomalies"));

    // A second import of the same file: the re-import path (diff against the live directory).
    clock.Restart();
    var again = await ExtractionImporter.ImportFileAsync(store, path);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{options.Backend}: re-import: {clock.Elapsed.TotalSeconds:F1} s, {again.Summary.Unchanged:N0} unchanged, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB"));

    await SearchAsync(store, path, options);
    return 0;
}
finally
{
    if (database is not null)
    {
        await ExecuteAsync(admin!, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
    }

    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Directory.Delete(work, recursive: true);
}

static async Task SearchAsync(IDirectoryStore store, string path, Options options)
{
    // Queries a professional would type, built from the file: full last names, first + last name, a
    // name in a town, an RPPS, a FINESS, an address prefix, a profession in a postal code, a mailbox kind in a town.
    var samples = File.ReadLines(path).Skip(1).Where((_, i) => i % 97 == 0).Select(l => l.Split('|')).Take(5000).ToList();
    var random = new Random(42);
    var queries = new List<DirectorySearch>();
    while (queries.Count < options.Searches)
    {
        var f = samples[random.Next(samples.Count)];
        var town = f[27].Length > 6 ? f[27][6..] : f[27];
        queries.Add((queries.Count % 8) switch
        {
            0 when f[9].Length > 0 => new DirectorySearch { Name = f[9] },
            1 when f[9].Length > 0 => new DirectorySearch { Name = f[10] + " " + f[9] },
            2 when f[9].Length > 0 => new DirectorySearch { Name = f[9], Town = town },
            3 when f[3].Length > 0 => new DirectorySearch { Rpps = f[3] },
            4 when f[6].Length == 9 => new DirectorySearch { Finess = f[6] },
            5 => new DirectorySearch { Address = f[1][..Math.Min(12, f[1].Length)] },
            6 when f[13].Length > 0 => new DirectorySearch { Profession = f[13], PostalCode = f[28] },
            7 => new DirectorySearch { Kind = OpenMss.Core.MailboxKind.Organisational, Town = town },
            _ => new DirectorySearch { Name = f[18] },
        });
    }

    foreach (var warm in queries.Take(100))
    {
        await store.SearchAsync(warm);
    }

    var timings = new List<double>(queries.Count);
    var unsorted = timings;
    var byKind = new Dictionary<int, List<double>>();
    long results = 0;
    for (var q = 0; q < queries.Count; q++)
    {
        var clock = Stopwatch.StartNew();
        var page = await store.SearchAsync(queries[q]);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        timings.Add(elapsed);
        results += page.Items.Count;
        if (!byKind.TryGetValue(q % 8, out var list))
        {
            byKind[q % 8] = list = [];
        }

        list.Add(elapsed);
    }

    if (options.Verbose)
    {
        foreach (var slow in timings.Select((t, i) => (t, i)).OrderByDescending(x => x.t).Take(8))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  slow: {slow.t:F1} ms {queries[slow.i]}"));
        }

        foreach (var (kind, list) in byKind.OrderBy(k => k.Key))
        {
            list.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  query kind {kind}: p50 {Percentile(list, 0.5):F2} ms, p99 {Percentile(list, 0.99):F2} ms"));
        }
    }

    timings.Sort();
    var pharmacies = Stopwatch.StartNew();
    for (var i = 0; i < 100; i++)
    {
        await store.FindPharmaciesAsync((69000 + i).ToString(CultureInfo.InvariantCulture), null, 20);
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{options.Backend}: {timings.Count:N0} searches: p50 {Percentile(timings, 0.50):F2} ms, p99 {Percentile(timings, 0.99):F2} ms, max {timings[^1]:F1} ms " +
        $"({results / (double)timings.Count:F1} results per page); pharmacies near a postal code: {pharmacies.Elapsed.TotalMilliseconds / 100:F1} ms each"));
}

static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

static void EnsureFile(string file, int lines)
{
    if (File.Exists(file) && File.ReadLines(file).Take(lines + 2).Count() == lines + 1)
    {
        return;
    }

    var clock = Stopwatch.StartNew();
    new ExtractionGenerator().WriteFile(file, lines);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"generated {file} ({lines:N0} lines, {new FileInfo(file).Length / 1048576.0:F0} MiB) in {clock.Elapsed.TotalSeconds:F1} s"));
}

static async Task ExecuteAsync(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

internal sealed record Options(string Backend, int Lines, int Searches, string? File, string? Database = null, bool Verbose = false, string? Query = null)
{
    public static Options Parse(string[] args)
    {
        string backend = "both";
        var lines = 540_000;
        var searches = 2_000;
        string? file = null;
        string? database = null;
        var verbose = false;
        string? query = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--backend": backend = args[i + 1] == "both" ? "both" : DirectoryStoreFactory.NormalizeProvider(args[i + 1]); break;
                case "--lines": lines = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--searches": searches = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--file": file = args[i + 1]; break;
                case "--db": database = args[i + 1]; break;
                case "--verbose": verbose = args[i + 1] == "true"; break;
                case "--query": query = args[i + 1]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return new Options(backend, lines, searches, file, database, verbose, query);
    }
}
