using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.PatientSpace.Registry.Postgres;
using OpenMss.PatientSpace.Registry.Sql;
using OpenMss.PatientSpace.Registry.Sqlite;
using OpenMss.Storage;

namespace OpenMss.PatientSpace.Registry;

/// <summary>Opens the patient registry a configuration names, with its schema created or upgraded.</summary>
public static class PatientRegistryFactory
{
    /// <summary>Opens (creating when needed) and migrates the registry. Dispose it to close its connections.</summary>
    /// <exception cref="ArgumentException">Unknown provider, no connection string or no key file.</exception>
    public static async Task<IPatientRegistry> OpenAsync(PatientRegistryOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new ArgumentException("The patient registry needs a connection string (a SQLite file path or an Npgsql connection string).", nameof(options));
        }

        if (string.IsNullOrWhiteSpace(options.EncryptionKeyFile))
        {
            throw new ArgumentException("The patient registry needs an encryption key file: it seals names, dates of birth and e-mail addresses.", nameof(options));
        }

        var provider = NormalizeProvider(options.Provider);
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("OpenMss.PatientSpace.Registry");
        var time = timeProvider ?? TimeProvider.System;
        var cipher = MessageCipher.LoadOrCreate(options.EncryptionKeyFile);
        SqlPatientRegistry registry;
        try
        {
            registry = provider == PatientRegistryOptions.Sqlite
                ? new SqlitePatientRegistry(options.ConnectionString, cipher, logger, time)
                : new PostgresPatientRegistry(options.ConnectionString, cipher, logger, time);
        }
        catch
        {
            cipher.Dispose();
            throw;
        }

        try
        {
            await registry.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return registry;
        }
        catch
        {
            await registry.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The provider name normalised: <c>sqlite</c> or <c>postgres</c>.</summary>
    /// <exception cref="ArgumentException">Unknown provider.</exception>
    public static string NormalizeProvider(string? provider) => provider?.Trim().ToLowerInvariant() switch
    {
        null or "" or "sqlite" => PatientRegistryOptions.Sqlite,
        "postgres" or "postgresql" or "npgsql" => PatientRegistryOptions.Postgres,
        _ => throw new ArgumentException($"Unknown patient registry provider '{provider}': use 'sqlite' or 'postgres'.", nameof(provider)),
    };
}
