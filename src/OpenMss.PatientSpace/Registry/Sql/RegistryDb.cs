using System.Data.Common;
using System.Globalization;
using OpenMss.Storage.Sql;

namespace OpenMss.PatientSpace.Registry.Sql;

/// <summary>Small ADO.NET helpers that keep the registry's SQL readable.</summary>
internal static class RegistryDb
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
        var command = connection.Command(sql, transaction);
        await using (command.ConfigureAwait(false))
        {
            foreach (var (name, value) in parameters)
            {
                command.With(name, value);
            }

            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task<long> ScalarLongAsync(this DbConnection connection, string sql, DbTransaction? transaction, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var command = connection.Command(sql, transaction);
        await using (command.ConfigureAwait(false))
        {
            foreach (var (name, value) in parameters)
            {
                command.With(name, value);
            }

            var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return result is null or DBNull ? 0 : Convert.ToInt64(result, CultureInfo.InvariantCulture);
        }
    }
}

/// <summary>The registry's schema migrations, embedded as <c>Registry/&lt;Backend&gt;/Migrations/NNNN_name.sql</c>.</summary>
internal static class PatientMigrations
{
    public static IReadOnlyList<Migration> Load(string backend) =>
        Migrations.Load(typeof(PatientMigrations).Assembly, $"patient-migrations/{backend}/");
}
