using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using OpenMss.Testing;

namespace OpenMss.Storage.Tests;

public abstract partial class MailStoreTests
{
    [Fact]
    public async Task Message_bytes_and_envelopes_are_stored_encrypted()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, "a@medecin.mssante.fr");
        const string Secret = "PATIENT-DUPONT-1850775123456-DIAGNOSTIC";
        var raw = TestMessages.Create(subject: "Objet " + Secret, marker: Secret);
        await store.DeliverAsync(TestMessages.Inbound(raw, "a@medecin.mssante.fr"));
        await store.EnqueueAsync(new OutboundMessage("a@medecin.mssante.fr", [new OutboundRecipient("b@pharmacien.mssante.fr")], raw, DateTimeOffset.UtcNow));

        await using (var connection = await store.Database.OpenConnectionAsync())
        {
            var stored = (await ReadColumnAsync(connection, "SELECT data FROM message_blobs"))
                .Concat(await ReadColumnAsync(connection, "SELECT envelope FROM messages")).ToList();
            Assert.Equal(3, stored.Count);
            Assert.All(stored, bytes => Assert.DoesNotContain(Secret, Encoding.Latin1.GetString(bytes), StringComparison.Ordinal));
        }

        if (Backend == StoreBackend.Sqlite)
        {
            // The whole database as it lies on disk (main file and write-ahead log), open and closed.
            AssertNoFileContains(store.Database.Directory, Secret);
            await store.ReopenAsync();
            Assert.Equal(raw, await store.ReadMessageAsync(await InboxIdAsync(store, "a@medecin.mssante.fr"), 1));
            await store.Store.DisposeAsync();
            AssertNoFileContains(store.Database.Directory, Secret);
            await store.ReopenAsync();
        }
    }

    [Fact]
    public async Task A_wrong_key_file_is_refused_with_a_clear_error_instead_of_garbage()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, "a@medecin.mssante.fr");
        var raw = TestMessages.Create();
        var stored = await store.DeliverAsync(TestMessages.Inbound(raw, "a@medecin.mssante.fr"));
        await store.Store.DisposeAsync();
        var keyFile = store.Options.EncryptionKeyFile!;
        var originalKey = await File.ReadAllBytesAsync(keyFile);
        await File.WriteAllBytesAsync(keyFile, RandomNumberGenerator.GetBytes(32));

        var error = await Assert.ThrowsAsync<StoreDecryptionException>(() => store.Database.OpenStoreAsync());
        Assert.Contains("key", error.Message, StringComparison.OrdinalIgnoreCase);

        // Rows read with the wrong key do not decrypt either.
        await using (var connection = await store.Database.OpenConnectionAsync())
        {
            var sealedBlob = (await ReadColumnAsync(connection, "SELECT data FROM message_blobs")).Single();
            using var wrong = MessageCipher.LoadOrCreate(keyFile);
            Assert.Throws<StoreDecryptionException>(() => wrong.Decrypt(sealedBlob, Sql.SqlMailStore.MessagePurpose));
        }

        await File.WriteAllBytesAsync(keyFile, originalKey);
        await store.ReopenAsync();
        Assert.Equal(raw, await store.ReadMessageAsync(stored[0].FolderId, stored[0].Uid));
    }

    private static async Task<IReadOnlyList<byte[]>> ReadColumnAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<byte[]>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetFieldValue<byte[]>(0));
        }

        return values;
    }

    private static void AssertNoFileContains(string directory, string secret)
    {
        var files = Directory.GetFiles(directory).Where(f => !f.EndsWith(".key", StringComparison.Ordinal)).ToArray();
        Assert.Contains(files, f => f.EndsWith(".db", StringComparison.Ordinal));
        Assert.True(files.Sum(f => new FileInfo(f).Length) > 16 * 1024, "the database files hold the message");
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            Assert.False(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) >= 0, $"{Path.GetFileName(file)} contains the plaintext");
        }
    }
}
