using System.Data.Common;

namespace OpenMss.Storage.Sql;

/// <summary>
/// One open connection with the commands prepared on it. Commands are kept per SQL text so that
/// a long-lived connection (the writer, a pooled SQLite reader) parses each statement once.
/// </summary>
internal sealed class DbSession : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand> commands = new(StringComparer.Ordinal);
    private readonly Func<DbSession, ValueTask>? release;

    public DbSession(DbConnection connection, Func<DbSession, ValueTask>? release = null)
    {
        Connection = connection;
        this.release = release;
    }

    public DbConnection Connection { get; }

    public DbTransaction? Transaction { get; private set; }

    /// <summary>
    /// The command for <paramref name="sql"/>, enlisted in the current transaction. Its parameters
    /// from a previous use are kept and overwritten by <see cref="DbCommandExtensions.With"/> (a
    /// prepared statement stays bound to the same parameter objects).
    /// </summary>
    public DbCommand Command(string sql)
    {
        if (!commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            commands.Add(sql, command);
        }

        command.Transaction = Transaction;
        return command;
    }

    public async ValueTask BeginAsync(CancellationToken cancellationToken)
    {
        Transaction = await Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        var transaction = Transaction ?? throw new InvalidOperationException("No transaction is open.");
        Transaction = null;
        try
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Rolls back the open transaction, if any. A broken connection has nothing left to roll back.</summary>
    public async ValueTask RollbackAsync()
    {
        var transaction = Transaction;
        if (transaction is null)
        {
            return;
        }

        Transaction = null;
        try
        {
            if (Connection.State == System.Data.ConnectionState.Open)
            {
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (DbException) when (Connection.State != System.Data.ConnectionState.Open)
        {
            // The connection died with the transaction: the server rolled it back.
        }
        finally
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Returns a pooled session to its pool, or closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (release is not null)
        {
            await release(this).ConfigureAwait(false);
            return;
        }

        await CloseAsync().ConfigureAwait(false);
    }

    public async ValueTask CloseAsync()
    {
        await RollbackAsync().ConfigureAwait(false);
        foreach (var command in commands.Values)
        {
            await command.DisposeAsync().ConfigureAwait(false);
        }

        commands.Clear();
        await Connection.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Small helpers that keep the SQL code readable.</summary>
internal static class DbCommandExtensions
{
    /// <summary>Sets parameter <paramref name="name"/> (added on first use of the command).</summary>
    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        var index = command.Parameters.IndexOf(name);
        if (index >= 0)
        {
            command.Parameters[index].Value = value ?? DBNull.Value;
            return command;
        }

        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    public static string? GetNullableString(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static byte[] GetBytes(this DbDataReader reader, int ordinal) => reader.GetFieldValue<byte[]>(ordinal);
}
