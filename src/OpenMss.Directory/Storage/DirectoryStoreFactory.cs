using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Directory.Storage.Postgres;
using OpenMss.Directory.Storage.Sqlite;

namespace OpenMss.Directory;

/// <summary>Opens the directory store a configuration names, with its schema created or upgraded.</summary>
public static class DirectoryStoreFactory
{
    /// <summary>Opens (creating when needed) and migrates the store. Dispose it to close its connections.</summary>
    /// <exception cref="ArgumentException">Unknown provider or unusable connection string.</exception>
    public static async Task<IDirectoryStore> OpenAsync(DirectoryStoreOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        var store = Create(options, loggerFactory, timeProvider);
        try
        {
            await store.MigrateAsync(cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>The provider name normalised: <c>sqlite</c> or <c>postgres</c>.</summary>
    /// <exception cref="ArgumentException">Unknown provider.</exception>
    public static string NormalizeProvider(string? provider) => provider?.Trim().ToLowerInvariant() switch
    {
        null or "" or "sqlite" => DirectoryStoreOptions.Sqlite,
        "postgres" or "postgresql" or "npgsql" => DirectoryStoreOptions.Postgres,
        _ => throw new ArgumentException($"Unknown directory storage provider '{provider}': use 'sqlite' or 'postgres'.", nameof(provider)),
    };

    internal static IDirectoryStore Create(DirectoryStoreOptions options, ILoggerFactory? loggerFactory, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new ArgumentException("The directory store needs a connection string (a SQLite file path or an Npgsql connection string).", nameof(options));
        }

        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("OpenMss.Directory.Store");
        var time = timeProvider ?? TimeProvider.System;
        return NormalizeProvider(options.Provider) == DirectoryStoreOptions.Sqlite
            ? new SqliteDirectoryStore(options.ConnectionString, logger, time)
            : new PostgresDirectoryStore(options.ConnectionString, logger, time);
    }
}
