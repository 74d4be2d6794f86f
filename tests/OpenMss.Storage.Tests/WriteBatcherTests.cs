using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Storage.Sql;

namespace OpenMss.Storage.Tests;

public sealed class WriteBatcherTests : IAsyncLifetime
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"openmss-batch-{Guid.NewGuid():N}.db");

    public async Task InitializeAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER NOT NULL)";
        await command.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync()
    {
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*"))
        {
            File.Delete(file);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Operations_queued_together_commit_together_and_a_failing_one_is_rolled_back_alone()
    {
        await using var batcher = new WriteBatcher(OpenAsync, NullLogger.Instance);
        var gate = new TaskCompletionSource();
        var busy = new TaskCompletionSource();
        var transactions = new List<object?>();
        var blocker = batcher.RunAsync(async (session, ct) =>
        {
            busy.SetResult();
            await gate.Task;
            return 0;
        }, CancellationToken.None);
        await busy.Task;

        // Queued while the writer is busy: they form the next batch.
        var operations = Enumerable.Range(0, 10).Select(i => batcher.RunAsync(async (session, ct) =>
        {
            lock (transactions)
            {
                transactions.Add(session.Transaction);
            }

            await session.Command("INSERT INTO t (x) VALUES (@x)").With("x", i).ExecuteNonQueryAsync(ct);
            return i == 5 ? throw new InvalidOperationException("operation 5 fails after writing") : i;
        }, CancellationToken.None)).ToArray();
        gate.SetResult();
        await blocker;

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => operations[5]);
        Assert.Contains("operation 5", failure.Message, StringComparison.Ordinal);
        foreach (var i in Enumerable.Range(0, 10).Where(i => i != 5))
        {
            Assert.Equal(i, await operations[i]);
        }

        Assert.Equal(Enumerable.Range(0, 10).Where(i => i != 5).Select(i => (long)i), await ValuesAsync());
        // First pass: operations 0..5 shared one transaction; then each ran alone in its own.
        Assert.Single(transactions.Take(6).Distinct());
        Assert.Equal(6 + 10, transactions.Count);
        Assert.Equal(11, transactions.Distinct().Count());
    }

    [Fact]
    public async Task An_operation_cancelled_before_it_starts_does_not_run()
    {
        await using var batcher = new WriteBatcher(OpenAsync, NullLogger.Instance);
        var gate = new TaskCompletionSource();
        var blocker = batcher.RunAsync(async (session, ct) =>
        {
            await gate.Task;
            return 0;
        }, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = batcher.RunAsync((session, ct) => new ValueTask<int>(session.Command("INSERT INTO t (x) VALUES (1)").ExecuteNonQuery()), cancel.Token);

        cancel.Cancel();
        gate.SetResult();
        await blocker;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        await batcher.RunAsync((session, ct) => new ValueTask<int>(0), CancellationToken.None);
        Assert.Empty(await ValuesAsync());
    }

    private async ValueTask<DbSession> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync(cancellationToken);
        return new DbSession(connection);
    }

    private async Task<List<long>> ValuesAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT x FROM t ORDER BY x";
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<long>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetInt64(0));
        }

        return values;
    }
}
