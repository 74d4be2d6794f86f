using System.Text;
using OpenMss.Core.Identifiers;
using OpenMss.PatientSpace.Import;
using OpenMss.PatientSpace.Registry;
using OpenMss.Testing;

namespace OpenMss.PatientSpace.Tests;

/// <summary>A migrated patient registry on a database of its own (SQLite file or PostgreSQL database), deleted on dispose.</summary>
public sealed class TestRegistry : IAsyncDisposable
{
    private TestRegistry(TestDatabase database, IPatientRegistry registry, PatientRegistryOptions options)
    {
        Database = database;
        Registry = registry;
        Options = options;
    }

    public TestDatabase Database { get; }

    public IPatientRegistry Registry { get; }

    public PatientRegistryOptions Options { get; }

    public static async Task<TestRegistry> CreateAsync(StoreBackend backend, TimeProvider? time = null)
    {
        var database = await TestDatabase.CreateAsync(backend);
        var options = new PatientRegistryOptions
        {
            Provider = backend == StoreBackend.Sqlite ? PatientRegistryOptions.Sqlite : PatientRegistryOptions.Postgres,
            ConnectionString = backend == StoreBackend.Sqlite ? Path.Combine(database.Directory, "patients.db") : database.Options.ConnectionString,
            EncryptionKeyFile = database.Options.EncryptionKeyFile!,
        };
        try
        {
            return new TestRegistry(database, await PatientRegistryFactory.OpenAsync(options, timeProvider: time), options);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>An open connection straight to the registry's database, to look under it.</summary>
    public async Task<System.Data.Common.DbConnection> OpenConnectionAsync()
    {
        if (Database.Backend == StoreBackend.Postgres)
        {
            return await Database.OpenConnectionAsync();
        }

        var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Options.ConnectionString};Pooling=False");
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Imports a CSV text (header included by the caller).</summary>
    public Task<PatientImportResult> ImportTextAsync(string text, Action<PatientLineError>? onError = null) =>
        PatientImporter.ImportAsync(Registry, new MemoryStream(Encoding.UTF8.GetBytes(text)), onError);

    public async ValueTask DisposeAsync()
    {
        await Registry.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await Database.DisposeAsync();
    }
}

/// <summary>Patients for the tests: fictitious, with valid INS keys.</summary>
public static class TestPatients
{
    /// <summary>A woman born in July 1985 in Paris.</summary>
    public static InsMatricule Alice { get; } = InsMatricule.FromNir("2850775123456");

    /// <summary>A man born in March 1962 in Lyon.</summary>
    public static InsMatricule Bruno { get; } = InsMatricule.FromNir("1620369123001");

    /// <summary>A woman born in Corse-du-Sud (2A).</summary>
    public static InsMatricule Chiara { get; } = InsMatricule.FromNir("290052A004012");

    /// <summary>A man who opposed.</summary>
    public static InsMatricule Denis { get; } = InsMatricule.FromNir("1711213055111");

    /// <summary>The i-th generated patient (distinct, valid keys).</summary>
    public static InsMatricule Generated(int i) => GeneratedPatientCsv.Ins(i);

    public static PatientIdentity Identity(string given = "Alice", string family = "MARTIN", string? email = "alice.martin@example.org", string? card = "8025012345") =>
        new(given, family, new DateOnly(1985, 7, 14), email, card);

    public static string Csv(params string[] lines) => PatientCsvFormat.HeaderLine + "\n" + string.Join("\n", lines) + "\n";

    public static string Line(InsMatricule ins, PatientAccountState state, PatientIdentity? identity = null) =>
        PatientCsvFormat.Line(ins, identity ?? Identity(), state);
}
