using OpenMss.Core;

namespace OpenMss.Storage.Tests;

public sealed class MailStoreFactoryTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "openmss-factory-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Sqlite_creates_the_database_folder_and_a_private_key_file_next_to_the_database()
    {
        var path = Path.Combine(directory, "data", "openmss.db");

        await using (var store = await MailStoreFactory.OpenAsync(new StorageOptions { ConnectionString = path }))
        {
            await store.CreateMailboxAsync(new NewMailbox("a@medecin.mssante.fr", MailboxKind.Personal));

            // The database and its write-ahead log are the owner's only (other local users must not read the audit trail).
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path + "-wal"));
            }
        }

        Assert.True(File.Exists(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path + ".key"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.Equal(path + ".key", MailStoreFactory.ResolveEncryptionKeyFile(new StorageOptions { ConnectionString = path }));
        await using var again = await MailStoreFactory.OpenAsync(new StorageOptions { Provider = "SQLite", ConnectionString = $"Data Source={path}" });
        Assert.NotNull(await again.FindMailboxAsync("a@medecin.mssante.fr"));
    }

    [Theory]
    [InlineData("sqlite", ":memory:")]
    [InlineData("sqlite", "Data Source=x;Mode=Memory")]
    [InlineData("sqlite", "")]
    [InlineData("oracle", "x.db")]
    public async Task Unusable_options_are_refused_clearly(string provider, string connectionString)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => MailStoreFactory.OpenAsync(
            new StorageOptions { Provider = provider, ConnectionString = connectionString, EncryptionKeyFile = Path.Combine(directory, "k") }));
    }

    [Fact]
    public async Task Postgres_requires_a_key_file_outside_the_database()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => MailStoreFactory.OpenAsync(
            new StorageOptions { Provider = "postgres", ConnectionString = "Host=127.0.0.1;Database=openmss" }));

        Assert.Contains("EncryptionKeyFile", error.Message, StringComparison.Ordinal);
    }
}
