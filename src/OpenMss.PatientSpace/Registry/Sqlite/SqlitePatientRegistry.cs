using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using OpenMss.PatientSpace.Registry.Sql;
using OpenMss.Storage;
using OpenMss.Storage.Sql;

namespace OpenMss.PatientSpace.Registry.Sqlite;

/// <summary>
/// The embedded backend: one SQLite file in WAL mode (lookups go on while an import writes). An import
/// is one immediate write transaction of prepared upserts: it commits whole or not at all.
/// </summary>
internal sealed class SqlitePatientRegistry : SqlPatientRegistry
{
    private const int BusyTimeoutSeconds = 60;

    private static readonly IReadOnlyList<Migration> AllMigrations = PatientMigrations.Load("sqlite");

    private readonly string connectionString;
    private readonly MessageCipher cipher;

    public SqlitePatientRegistry(string configured, MessageCipher cipher, ILogger logger, TimeProvider timeProvider)
        : base(new PatientSeal(cipher), logger, timeProvider)
    {
        this.cipher = cipher;
        var builder = configured.Contains('=', StringComparison.Ordinal)
            ? new SqliteConnectionStringBuilder(configured)
            : new SqliteConnectionStringBuilder { DataSource = configured };
        if (string.IsNullOrWhiteSpace(builder.DataSource) || builder.DataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
        {
            throw new ArgumentException("The SQLite patient registry needs a database file.", nameof(configured));
        }

        var path = Path.GetFullPath(builder.DataSource);
        builder.DataSource = path;
        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        builder.Pooling = true;
        builder.DefaultTimeout = BusyTimeoutSeconds;
        connectionString = builder.ToString();

        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            System.IO.Directory.CreateDirectory(directory);
        }

        if (!File.Exists(path) && !OperatingSystem.IsWindows())
        {
            // Patients' INS and account states are health data: the file (and its -wal and -shm, which
            // SQLite creates with the database's mode) is the owner's only. An empty file is an empty database.
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
    }

    public override async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync("PRAGMA journal_mode=WAL", null, cancellationToken).ConfigureAwait(false);
            await ApplyMigrationsAsync(connection, AllMigrations, "SQLite", cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override async Task<IPatientImport> BeginImportAsync(CancellationToken cancellationToken = default)
    {
        var connection = (SqliteConnection)await OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A bulk load: a big page cache; synchronous NORMAL in WAL may lose the import in a crash,
            // never corrupt the file, and the previous registry is intact until the commit. The other
            // connections keep synchronous FULL: a state change is on disk when it is acknowledged.
            await connection.ExecuteAsync("PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536", null, cancellationToken).ConfigureAwait(false);
            var transaction = (SqliteTransaction)await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            var before = await connection.ScalarLongAsync($"SELECT COUNT(*) FROM {Patients}", transaction, cancellationToken).ConfigureAwait(false);
            return new Import(this, connection, transaction, before);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override ValueTask DisposeAsync()
    {
        cipher.Dispose();
        SqliteConnection.ClearPool(new SqliteConnection(connectionString));
        return ValueTask.CompletedTask;
    }

    private sealed class Import : IPatientImport
    {
        private readonly SqlitePatientRegistry registry;
        private readonly SqliteConnection connection;
        private readonly SqliteTransaction transaction;
        private readonly long before;
        private readonly SqliteCommand upsert;
        private readonly SqliteParameter ins;
        private readonly SqliteParameter state;
        private readonly SqliteParameter at;
        private readonly SqliteParameter identity;
        private readonly long now;
        private long rows;
        private bool committed;

        public Import(SqlitePatientRegistry registry, SqliteConnection connection, SqliteTransaction transaction, long before)
        {
            this.registry = registry;
            this.connection = connection;
            this.transaction = transaction;
            this.before = before;
            now = registry.Time.GetUtcNow().ToUnixTimeMilliseconds();
            upsert = connection.CreateCommand();
            upsert.Transaction = transaction;
            upsert.CommandText = $"INSERT INTO {Patients} (ins, state, state_changed_at, identity) VALUES (@ins, @state, @at, @identity) {UpsertSet}";
            ins = upsert.Parameters.Add("@ins", SqliteType.Text);
            state = upsert.Parameters.Add("@state", SqliteType.Integer);
            at = upsert.Parameters.Add("@at", SqliteType.Integer);
            identity = upsert.Parameters.Add("@identity", SqliteType.Blob);
            upsert.Prepare();
        }

        public ValueTask WriteAsync(PatientImportRow row, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(row);
            cancellationToken.ThrowIfCancellationRequested();
            // Synchronous on purpose: SQLite has no asynchronous I/O, and a task per row would only add overhead.
            ins.Value = Key(row.Ins);
            state.Value = (int)row.State;
            at.Value = now;
            identity.Value = registry.Seal.SealIdentity(row.Ins, row.Identity);
            upsert.ExecuteNonQuery();
            rows++;
            return ValueTask.CompletedTask;
        }

        public async Task<PatientImportSummary> CommitAsync(CancellationToken cancellationToken = default)
        {
            var total = await connection.ScalarLongAsync($"SELECT COUNT(*) FROM {Patients}", transaction, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            committed = true;
            return new PatientImportSummary(rows, total - before, total);
        }

        public async ValueTask DisposeAsync()
        {
            await upsert.DisposeAsync().ConfigureAwait(false);
            if (!committed)
            {
                await transaction.RollbackAsync().ConfigureAwait(false);
            }

            await transaction.DisposeAsync().ConfigureAwait(false);
            // The connection goes back to the pool: the next user gets the durable default again.
            await connection.ExecuteAsync("PRAGMA synchronous=FULL; PRAGMA cache_size=-2000", null, CancellationToken.None).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
