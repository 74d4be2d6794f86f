using System.Diagnostics;
using System.Globalization;
using OpenMss.PatientSpace.Acceptance;
using OpenMss.PatientSpace.Import;
using OpenMss.PatientSpace.Registry;
using OpenMss.PatientSpace.Tests;
using OpenMss.Smtp.Acceptance;
using OpenMss.Testing;

// Patient registry benchmark (issue 10): imports a generated patient file (valid INS keys) through the
// CSV importer, reports time and peak memory, then times the RCPT stage of the patient domain (registry
// seek + the patient's mailbox in the mail store) at a small and at the full registry size, p50/p99.
// usage: dotnet run -c Release --project bench/OpenMss.Bench.Patients -- [--patients 1000000] [--small 1000]
//        [--lookups 5000] [--backend both|sqlite|postgres]
// PostgreSQL: OPENMSS_TEST_POSTGRES names a server, else a throwaway cluster is started (tests/OpenMss.Testing).
var patients = IntOption("--patients", 1_000_000);
var small = IntOption("--small", 1_000);
var lookups = IntOption("--lookups", 5_000);
var backends = Option("--backend", "both") switch
{
    "sqlite" => new[] { StoreBackend.Sqlite },
    "postgres" => [StoreBackend.Postgres],
    _ => [StoreBackend.Sqlite, StoreBackend.Postgres],
};

Console.WriteLine($"# {TimeProvider.System.GetUtcNow():yyyy-MM-ddTHH:mmZ} on {Environment.ProcessorCount} cores, {Environment.OSVersion}; load: {Load()}");
foreach (var backend in backends)
{
    foreach (var size in new[] { small, patients }.Distinct())
    {
        await RunAsync(backend, size);
    }
}

return 0;

async Task RunAsync(StoreBackend backend, int size)
{
    await using var database = await TestDatabase.CreateAsync(backend);
    var options = new PatientRegistryOptions
    {
        Provider = backend == StoreBackend.Sqlite ? PatientRegistryOptions.Sqlite : PatientRegistryOptions.Postgres,
        ConnectionString = backend == StoreBackend.Sqlite ? Path.Combine(database.Directory, "patients.db") : database.Options.ConnectionString,
        EncryptionKeyFile = database.Options.EncryptionKeyFile!,
    };
    await using var registry = await PatientRegistryFactory.OpenAsync(options);
    await using var store = await database.OpenStoreAsync();

    GC.Collect();
    var clock = Stopwatch.StartNew();
    await using (var file = new GeneratedPatientCsv(size, PatientAccountState.Activated))
    {
        var result = await PatientImporter.ImportAsync(registry, file);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("The generated file did not import: " + string.Join("; ", result.FirstErrors.Take(3)));
        }
    }

    clock.Stop();
    var peak = Process.GetCurrentProcess().PeakWorkingSet64;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{backend,-8} import {size,9:N0} patients: {clock.Elapsed.TotalSeconds,7:F1} s ({size / clock.Elapsed.TotalSeconds,8:N0}/s), peak working set {peak / (1024 * 1024)} MiB"));

    // The RCPT stage as the relay runs it, for patients who already have their mailbox (a first
    // pass creates it, as the first message to each would), in random order over the whole registry.
    var policy = new PatientRecipientPolicy(registry, store, "patient.mssante.fr");
    var random = new Random(42);
    var sample = Enumerable.Range(0, Math.Min(lookups, size)).Select(_ => GeneratedPatientCsv.Ins(random.Next(size)).Value + "@patient.mssante.fr").ToArray();
    var envelope = new AcceptanceEnvelope("jean.dupont@medecin.mssante.fr");
    foreach (var address in sample)
    {
        await policy.CheckRecipientAsync(envelope, new AcceptanceRecipient(address));
    }

    var known = await TimeAsync(sample);
    var unknown = await TimeAsync(Enumerable.Range(0, sample.Length).Select(i => GeneratedPatientCsv.Ins(size + i).Value + "@patient.mssante.fr").ToArray());
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{backend,-8} RCPT at {size,9:N0} patients ({sample.Length:N0} lookups): known p50 {known.P50,6:F0} µs p99 {known.P99,6:F0} µs; unknown p50 {unknown.P50,6:F0} µs p99 {unknown.P99,6:F0} µs"));

    async Task<(double P50, double P99)> TimeAsync(string[] addresses)
    {
        var micros = new double[addresses.Length];
        for (var i = 0; i < addresses.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var reply = await policy.CheckRecipientAsync(envelope, new AcceptanceRecipient(addresses[i]));
            micros[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            _ = reply;
        }

        Array.Sort(micros);
        return (micros[micros.Length / 2], micros[(int)(micros.Length * 0.99)]);
    }
}

int IntOption(string name, int fallback) => int.Parse(Option(name, fallback.ToString(CultureInfo.InvariantCulture)), NumberStyles.None, CultureInfo.InvariantCulture);

string Option(string name, string fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}

static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
