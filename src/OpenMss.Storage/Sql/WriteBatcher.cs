using System.Data;
using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace OpenMss.Storage.Sql;

/// <summary>
/// Group commit: every write of the store goes through one writer loop that drains the pending
/// operations, runs them in one transaction on one connection, commits once (one fsync for
/// the whole batch) and only then completes their tasks.
/// </summary>
/// <remarks>
/// When an operation of a batch throws, the batch is rolled back and every operation of it is
/// run again alone in its own transaction, so one bad operation fails only its own caller.
/// A failed COMMIT fails the whole batch without retry: the outcome may be unknown (a connection
/// lost during COMMIT), and replaying could store a message twice.
/// Operations queued with <see cref="RunStatementAsync"/> are one statement each: consecutive ones
/// of a batch go to the server together in one <see cref="DbBatch"/> (one round trip for the
/// whole batch instead of one per statement) when the provider supports it (Npgsql does).
/// </remarks>
internal sealed partial class WriteBatcher : IAsyncDisposable
{
    private const int MaxBatchSize = 256;

    private readonly Channel<WriteOperation> pending = Channel.CreateUnbounded<WriteOperation>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly Func<CancellationToken, ValueTask<DbSession>> openSession;
    private readonly ILogger logger;
    private readonly Task loop;
    private DbSession? session;

    public WriteBatcher(Func<CancellationToken, ValueTask<DbSession>> openSession, ILogger logger)
    {
        this.openSession = openSession;
        this.logger = logger;
        loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// Queues <paramref name="body"/> for the next batch. The task completes once the batch holding
    /// it is committed. <paramref name="cancellationToken"/> only cancels an operation that has not
    /// started yet: once in a batch, it commits or fails with the batch.
    /// </summary>
    public Task<T> RunAsync<T>(Func<DbSession, CancellationToken, ValueTask<T>> body, CancellationToken cancellationToken)
    {
        var operation = new WriteOperation<T>(body, cancellationToken);
        if (!pending.Writer.TryWrite(operation))
        {
            return Task.FromException<T>(new ObjectDisposedException(nameof(IMailStore), "The store is closed."));
        }

        return operation.Task;
    }

    /// <summary>
    /// Queues one statement for the next batch, pipelined with the other statements of the batch.
    /// <paramref name="statement"/> builds the command (it must return exactly one result set);
    /// <paramref name="read"/> turns that result set into the operation's result, and may throw to
    /// fail the operation (the batch is then rolled back and rerun operation by operation).
    /// Only for a provider with <see cref="DbConnection.CanCreateBatch"/> (the statement always
    /// runs in a <see cref="DbBatch"/>, of one when it runs alone).
    /// </summary>
    public Task<T> RunStatementAsync<T>(Func<DbBatch, DbBatchCommand> statement, Func<DbDataReader, CancellationToken, ValueTask<T>> read, CancellationToken cancellationToken)
    {
        var operation = new StatementOperation<T>(statement, read, cancellationToken);
        if (!pending.Writer.TryWrite(operation))
        {
            return Task.FromException<T>(new ObjectDisposedException(nameof(IMailStore), "The store is closed."));
        }

        return operation.Task;
    }

    public async ValueTask DisposeAsync()
    {
        pending.Writer.TryComplete();
        await loop.ConfigureAwait(false);
        if (session is not null)
        {
            await session.CloseAsync().ConfigureAwait(false);
            session = null;
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<WriteOperation>(MaxBatchSize);
        var reader = pending.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatchSize && reader.TryRead(out var operation))
            {
                if (!operation.TryCancelIfRequested())
                {
                    batch.Add(operation);
                }
            }

            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                await RunBatchAsync(batch).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Never leave a caller waiting, whatever went wrong with the connection.
                LogBatchFailed(logger, ex, batch.Count);
                foreach (var operation in batch)
                {
                    operation.Fail(ex);
                }
            }
        }
    }

    private async Task RunBatchAsync(List<WriteOperation> batch)
    {
        var current = await GetSessionAsync().ConfigureAwait(false);
        await current.BeginAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await ExecuteAllAsync(current, batch).ConfigureAwait(false);
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            LogBatchSplit(logger, ex.GetType().Name, batch.Count);
            await RollbackAsync(current).ConfigureAwait(false);
            foreach (var operation in batch)
            {
                await RunAloneAsync(operation).ConfigureAwait(false);
            }

            return;
        }
        catch (Exception ex)
        {
            await RollbackAsync(current).ConfigureAwait(false);
            batch[0].Fail(ex);
            return;
        }

        try
        {
            await current.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogCommitFailed(logger, ex, batch.Count);
            await DropBrokenSessionAsync(current).ConfigureAwait(false);
            foreach (var operation in batch)
            {
                operation.Fail(ex);
            }

            return;
        }

        foreach (var operation in batch)
        {
            operation.Complete();
        }
    }

    /// <summary>Runs the operations in order, sending each run of consecutive statements in one round trip.</summary>
    private static async ValueTask ExecuteAllAsync(DbSession current, List<WriteOperation> batch)
    {
        var canBatch = current.Connection.CanCreateBatch;
        var index = 0;
        while (index < batch.Count)
        {
            var end = index;
            while (canBatch && end < batch.Count && batch[end] is StatementOperation)
            {
                end++;
            }

            if (end - index < 2)
            {
                await batch[index].ExecuteAsync(current, CancellationToken.None).ConfigureAwait(false);
                index++;
                continue;
            }

            await StatementOperation.ExecuteAsync(current, batch, index, end, CancellationToken.None).ConfigureAwait(false);
            index = end;
        }
    }

    private async Task RunAloneAsync(WriteOperation operation)
    {
        try
        {
            var current = await GetSessionAsync().ConfigureAwait(false);
            await current.BeginAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await operation.ExecuteAsync(current, CancellationToken.None).ConfigureAwait(false);
            }
            catch
            {
                await RollbackAsync(current).ConfigureAwait(false);
                throw;
            }

            await current.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (session is not null && session.Connection.State != ConnectionState.Open)
            {
                await DropBrokenSessionAsync(session).ConfigureAwait(false);
            }

            operation.Fail(ex);
            return;
        }

        operation.Complete();
    }

    private async ValueTask<DbSession> GetSessionAsync()
    {
        if (session is { Connection.State: ConnectionState.Open })
        {
            return session;
        }

        if (session is not null)
        {
            await DropBrokenSessionAsync(session).ConfigureAwait(false);
        }

        session = await openSession(CancellationToken.None).ConfigureAwait(false);
        return session;
    }

    private async ValueTask RollbackAsync(DbSession current)
    {
        try
        {
            await current.RollbackAsync().ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            LogRollbackFailed(logger, ex);
            await DropBrokenSessionAsync(current).ConfigureAwait(false);
        }
    }

    private async ValueTask DropBrokenSessionAsync(DbSession current)
    {
        if (ReferenceEquals(session, current))
        {
            session = null;
        }

        try
        {
            await current.CloseAsync().ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            LogRollbackFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A write batch of {Count} operations failed")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "An operation of a batch of {Count} failed with {ExceptionType}: running them one by one")]
    private static partial void LogBatchSplit(ILogger logger, string exceptionType, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "COMMIT of a write batch of {Count} operations failed")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rolling back a write transaction failed; reopening the writer connection")]
    private static partial void LogRollbackFailed(ILogger logger, Exception exception);

    private abstract class WriteOperation
    {
        public abstract bool TryCancelIfRequested();

        public abstract ValueTask ExecuteAsync(DbSession session, CancellationToken cancellationToken);

        public abstract void Complete();

        public abstract void Fail(Exception exception);
    }

    private abstract class StatementOperation : WriteOperation
    {
        public abstract DbBatchCommand AddTo(DbBatch batch);

        public abstract ValueTask ReadAsync(DbDataReader reader, CancellationToken cancellationToken);

        public override ValueTask ExecuteAsync(DbSession session, CancellationToken cancellationToken) =>
            ExecuteAsync(session, [this], 0, 1, cancellationToken);

        /// <summary>Sends operations [start, end) in one batch and hands each its own result set.</summary>
        public static async ValueTask ExecuteAsync(DbSession session, List<WriteOperation> operations, int start, int end, CancellationToken cancellationToken)
        {
            var batch = session.Connection.CreateBatch();
            await using (batch.ConfigureAwait(false))
            {
                batch.Transaction = session.Transaction;
                for (var i = start; i < end; i++)
                {
                    batch.BatchCommands.Add(((StatementOperation)operations[i]).AddTo(batch));
                }

                var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    for (var i = start; i < end; i++)
                    {
                        if (i > start && !await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                        {
                            throw new InvalidOperationException("A batched write statement returned no result set.");
                        }

                        await ((StatementOperation)operations[i]).ReadAsync(reader, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
    }

    private sealed class StatementOperation<T>(
        Func<DbBatch, DbBatchCommand> statement, Func<DbDataReader, CancellationToken, ValueTask<T>> read, CancellationToken callerToken) : StatementOperation
    {
        private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? result;

        public Task<T> Task => completion.Task;

        public override bool TryCancelIfRequested()
        {
            if (!callerToken.IsCancellationRequested)
            {
                return false;
            }

            completion.TrySetCanceled(callerToken);
            return true;
        }

        public override DbBatchCommand AddTo(DbBatch batch) => statement(batch);

        public override async ValueTask ReadAsync(DbDataReader reader, CancellationToken cancellationToken)
        {
            result = await read(reader, cancellationToken).ConfigureAwait(false);
        }

        public override void Complete() => completion.TrySetResult(result!);

        public override void Fail(Exception exception) => completion.TrySetException(exception);
    }

    private sealed class WriteOperation<T>(Func<DbSession, CancellationToken, ValueTask<T>> body, CancellationToken callerToken) : WriteOperation
    {
        private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? result;

        public Task<T> Task => completion.Task;

        public override bool TryCancelIfRequested()
        {
            if (!callerToken.IsCancellationRequested)
            {
                return false;
            }

            completion.TrySetCanceled(callerToken);
            return true;
        }

        public override async ValueTask ExecuteAsync(DbSession session, CancellationToken cancellationToken)
        {
            result = await body(session, cancellationToken).ConfigureAwait(false);
        }

        public override void Complete() => completion.TrySetResult(result!);

        public override void Fail(Exception exception) => completion.TrySetException(exception);
    }
}
