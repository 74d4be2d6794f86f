using Xunit;

namespace OpenMss.Testing;

/// <summary>
/// Fresh, migrated stores for tests, each on a database of its own: a temporary SQLite file, or a
/// new database (<c>openmss_t_…</c>) on the PostgreSQL test cluster (<see cref="PostgresServer"/>).
/// </summary>
/// <example>
/// <code>
/// [Theory]
/// [MemberData(nameof(TestStores.Backends), MemberType = typeof(TestStores))]
/// public async Task Delivers(StoreBackend backend)
/// {
///     await using var store = await TestStores.CreateAsync(backend);
///     ...
/// }
/// </code>
/// </example>
public static class TestStores
{
    /// <summary>Both backends, for <c>[MemberData]</c>.</summary>
    public static TheoryData<StoreBackend> Backends { get; } = new() { StoreBackend.Sqlite, StoreBackend.Postgres };

    /// <summary>A migrated store on a new database; disposing it deletes the database.</summary>
    public static async Task<TestMailStore> CreateAsync(StoreBackend backend, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        var database = await TestDatabase.CreateAsync(backend, cancellationToken);
        try
        {
            var store = await database.OpenStoreAsync(timeProvider, cancellationToken);
            return new TestMailStore(database, store, timeProvider);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }
}
