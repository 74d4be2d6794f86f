using System.Data.Common;
using System.Globalization;
using System.Reflection;

namespace OpenMss.Directory.Storage.Sql;

/// <summary>Small helpers that keep the SQL code readable.</summary>
internal static class DbExtensions
{
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    public static async Task<int> ExecuteAsync(this DbConnection connection, string sql, DbTransaction? transaction, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(sql, transaction);
        foreach (var (name, value) in parameters)
        {
            command.With(name, value);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<long> ScalarLongAsync(this DbConnection connection, string sql, DbTransaction? transaction, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(sql, transaction);
        foreach (var (name, value) in parameters)
        {
            command.With(name, value);
        }

        var result = await command.ExecuteScalarAsync(cancellationToken);
        return result is null or DBNull ? 0 : Convert.ToInt64(result, CultureInfo.InvariantCulture);
    }
}

/// <summary>One numbered schema change of a backend, applied once, in order, in its own transaction.</summary>
internal sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// Loads the migrations embedded as <c>Storage/&lt;Backend&gt;/Migrations/NNNN_name.sql</c>. A released
/// migration is never edited: a schema change is a new file, with an upgrade test.
/// </summary>
internal static class DirectoryMigrations
{
    public static IReadOnlyList<Migration> Load(string backend)
    {
        var prefix = $"directory-migrations/{backend}/";
        var assembly = typeof(DirectoryMigrations).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var fileName = resource[prefix.Length..];
            var version = int.Parse(fileName.AsSpan(0, fileName.IndexOf('_', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
            migrations.Add(new Migration(version, Path.GetFileNameWithoutExtension(fileName), Read(assembly, resource)));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"The {backend} directory migrations must be numbered 1, 2, 3… without gaps.");
            }
        }

        return migrations;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Missing embedded migration {resource}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
