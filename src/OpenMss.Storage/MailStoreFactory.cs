using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Storage.Postgres;
using OpenMss.Storage.Sql;
using OpenMss.Storage.Sqlite;

namespace OpenMss.Storage;

/// <summary>
/// Opens the store a configuration names: creates or upgrades its schema, checks the encryption
/// key against the database, and returns it ready for use.
/// </summary>
public static class MailStoreFactory
{
    /// <summary>
    /// Opens (creating it when needed) and migrates the store described by <paramref name="options"/>.
    /// Dispose the store to flush pending writes and close its connections.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown provider, or an unusable connection string.</exception>
    /// <exception cref="InvalidOperationException">PostgreSQL without an <see cref="StorageOptions.EncryptionKeyFile"/>.</exception>
    /// <exception cref="StoreDecryptionException">The key file is not the one the database was created with.</exception>
    /// <exception cref="SchemaTooNewException">The database was written by a newer OpenMSS.</exception>
    public static async Task<IMailStore> OpenAsync(
        StorageOptions options,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        var store = Create(options, loggerFactory, timeProvider);
        try
        {
            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            await store.VerifyEncryptionKeyAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The key file used when none is configured: <c>&lt;database file&gt;.key</c> for SQLite.</summary>
    public static string ResolveEncryptionKeyFile(StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.EncryptionKeyFile))
        {
            return Path.GetFullPath(options.EncryptionKeyFile);
        }

        return NormalizeProvider(options.Provider) switch
        {
            StorageOptions.Sqlite => SqliteDatabasePath(options) + ".key",
            _ => throw new InvalidOperationException(
                "StorageOptions.EncryptionKeyFile is required with PostgreSQL: the key that encrypts messages at rest must be kept outside the database."),
        };
    }

    /// <summary>Builds the store without touching the database (tests migrate it step by step).</summary>
    internal static SqlMailStore Create(StorageOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var provider = NormalizeProvider(options.Provider);
        var keyFile = ResolveEncryptionKeyFile(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        timeProvider ??= TimeProvider.System;
        string? sqliteConnectionString = null;
        if (provider == StorageOptions.Sqlite)
        {
            sqliteConnectionString = SqliteMailStore.BuildConnectionString(options.ConnectionString, out var path);
            var directory = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            if (!File.Exists(path) && !OperatingSystem.IsWindows())
            {
                // Addresses (a patient's holds the INS), memberships and the audit trail are not for
                // other local users: the database is the owner's only, and SQLite gives its -wal and
                // -shm files the database's mode. SQLite takes an empty file for an empty database.
                using var created = new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            }
        }
        else if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new ArgumentException("StorageOptions.ConnectionString is required with PostgreSQL.", nameof(options));
        }

        var cipher = MessageCipher.LoadOrCreate(keyFile);
        try
        {
            var logger = loggerFactory.CreateLogger("OpenMss.Storage");
            SqlMailStore store = provider == StorageOptions.Sqlite
                ? new SqliteMailStore(sqliteConnectionString!, cipher, ownsCipher: true, logger, timeProvider)
                : new PostgresMailStore(options.ConnectionString, cipher, ownsCipher: true, logger, timeProvider);
            foreach (var consumer in options.OutboxConsumers)
            {
                store.RegisterOutboxConsumer(consumer);
            }

            return store;
        }
        catch
        {
            cipher.Dispose();
            throw;
        }
    }

    private static string SqliteDatabasePath(StorageOptions options)
    {
        SqliteMailStore.BuildConnectionString(options.ConnectionString, out var path);
        return path;
    }

    private static string NormalizeProvider(string? provider) => provider?.Trim().ToLowerInvariant() switch
    {
        null or "" or "sqlite" => StorageOptions.Sqlite,
        "postgres" or "postgresql" or "npgsql" => StorageOptions.Postgres,
        _ => throw new ArgumentException($"Unknown storage provider '{provider}': use 'sqlite' or 'postgres'.", nameof(provider)),
    };
}
