using Npgsql;
using OpenMss.Storage;

namespace OpenMss.Testing;

/// <summary>
/// An empty database of its own for one test (a temporary SQLite file, or a new PostgreSQL
/// database on the test cluster) with its encryption key file in a temporary folder. Disposing
/// deletes the folder and drops the database.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly PostgresServer? server;
    private int disposed;

    private TestDatabase(StoreBackend backend, string directory, StorageOptions options, PostgresServer? server, string? databaseName)
    {
        Backend = backend;
        Directory = directory;
        Options = options;
        this.server = server;
        PostgresDatabaseName = databaseName;
    }

    public StoreBackend Backend { get; }

    /// <summary>A temporary folder owned by this database (SQLite file, key file); deleted on dispose.</summary>
    public string Directory { get; }

    /// <summary>Options that open this database with <see cref="MailStoreFactory.OpenAsync"/>.</summary>
    public StorageOptions Options { get; }

    /// <summary>The SQLite file, or null on PostgreSQL.</summary>
    public string? SqliteFile => Backend == StoreBackend.Sqlite ? Options.ConnectionString : null;

    /// <summary>The PostgreSQL database name, or null on SQLite.</summary>
    public string? PostgresDatabaseName { get; }

    /// <summary>Creates an empty database (no schema yet) for <paramref name="backend"/>.</summary>
    public static async Task<TestDatabase> CreateAsync(StoreBackend backend, CancellationToken cancellationToken = default)
    {
        var directory = Path.Combine(Path.GetTempPath(), "openmss-store-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var keyFile = Path.Combine(directory, "store.key");
        try
        {
            if (backend == StoreBackend.Sqlite)
            {
                return new TestDatabase(backend, directory, new StorageOptions
                {
                    Provider = StorageOptions.Sqlite,
                    ConnectionString = Path.Combine(directory, "openmss.db"),
                    EncryptionKeyFile = keyFile,
                }, null, null);
            }

            var server = await PostgresServer.GetAsync(cancellationToken);
            var (name, connectionString) = await server.CreateDatabaseAsync(cancellationToken);
            return new TestDatabase(backend, directory, new StorageOptions
            {
                Provider = StorageOptions.Postgres,
                ConnectionString = connectionString,
                EncryptionKeyFile = keyFile,
            }, server, name);
        }
        catch
        {
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Opens (and migrates) a store on this database.</summary>
    public Task<IMailStore> OpenStoreAsync(TimeProvider? timeProvider = null, CancellationToken cancellationToken = default) =>
        MailStoreFactory.OpenAsync(Options, loggerFactory: null, timeProvider, cancellationToken);

    /// <summary>An open connection straight to the database, for tests that look under the store.</summary>
    public async Task<System.Data.Common.DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        System.Data.Common.DbConnection connection = Backend == StoreBackend.Sqlite
            ? new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Options.ConnectionString};Pooling=False")
            : new NpgsqlConnection(Options.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        if (server is not null && PostgresDatabaseName is not null)
        {
            await server.DropDatabaseAsync(PostgresDatabaseName);
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a store the test did not dispose; the temp folder is cleaned later.
        }
    }
}
