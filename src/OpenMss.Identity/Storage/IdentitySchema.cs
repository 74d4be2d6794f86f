using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace OpenMss.Identity.Storage;

/// <summary>
/// Creates the identity tables on first use. <c>EnsureCreated</c> is not used because it does
/// nothing once the database holds any table, and a PostgreSQL database may be shared with the
/// mail store: the marker is this part's own <c>identity_schema</c> table instead.
/// </summary>
internal static class IdentitySchema
{
    /// <summary>The schema this code writes. A later version adds an upgrade step here.</summary>
    public const int CurrentVersion = 1;

    private const string MarkerTable = "identity_schema";

    public static async Task EnsureAsync(IdentityDbContext context, IdentityDatabase database, CancellationToken cancellationToken)
    {
        if (database.Kind == IdentityDatabaseKind.Sqlite)
        {
            var directory = Path.GetDirectoryName(database.SqliteFilePath);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }

        var creator = context.GetService<IRelationalDatabaseCreator>();
        if (database.Kind == IdentityDatabaseKind.Sqlite && !await creator.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            await creator.CreateAsync(cancellationToken).ConfigureAwait(false);
        }

        if (database.Kind == IdentityDatabaseKind.Sqlite)
        {
            // WAL lets the sign-in page read while a token request writes.
            await context.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        }

        if (await MarkerExistsAsync(context, database.Kind, cancellationToken).ConfigureAwait(false))
        {
            var version = await context.SchemaVersions.MaxAsync(v => (int?)v.Version, cancellationToken).ConfigureAwait(false) ?? 0;
            if (version > CurrentVersion)
            {
                throw new InvalidOperationException(
                    $"The identity database has schema version {version}, newer than this program's {CurrentVersion}.");
            }

            return;
        }

        await creator.CreateTablesAsync(cancellationToken).ConfigureAwait(false);
        context.SchemaVersions.Add(new SchemaVersionEntity
        {
            Version = CurrentVersion,
            AppliedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        });
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> MarkerExistsAsync(IdentityDbContext context, IdentityDatabaseKind kind, CancellationToken cancellationToken)
    {
        var connection = context.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var command = connection.CreateCommand();
            await using var commandScope = command.ConfigureAwait(false);
            command.CommandText = kind == IdentityDatabaseKind.Sqlite
                ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @name"
                : "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = @name";
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@name";
            parameter.Value = MarkerTable;
            command.Parameters.Add(parameter);
            var count = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return Convert.ToInt64(count, System.Globalization.CultureInfo.InvariantCulture) > 0;
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync().ConfigureAwait(false);
            }
        }
    }
}
