using System.Security.Cryptography;
using System.Text;

namespace OpenMss.Storage.Tests;

public sealed class MessageCipherTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "openmss-cipher-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_missing_key_file_is_created_private_and_reloaded_with_the_same_key()
    {
        var path = Path.Combine(directory, "keys", "store.key");

        byte[] record;
        using (var cipher = MessageCipher.LoadOrCreate(path))
        {
            record = cipher.Encrypt("Bonjour"u8, "test");
        }

        Assert.Equal(32, new FileInfo(path).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        using var reloaded = MessageCipher.LoadOrCreate(path);
        Assert.Equal("Bonjour"u8.ToArray(), reloaded.Decrypt(record, "test"));
    }

    [Fact]
    public void Each_record_gets_its_own_nonce_and_a_version_byte()
    {
        using var cipher = new MessageCipher(RandomNumberGenerator.GetBytes(32));
        var plaintext = Encoding.UTF8.GetBytes("même contenu");

        var a = cipher.Encrypt(plaintext, "test");
        var b = cipher.Encrypt(plaintext, "test");

        Assert.Equal(plaintext.Length + MessageCipher.Overhead, a.Length);
        Assert.Equal(1, a[0]);
        Assert.NotEqual(a, b);
        Assert.Equal(plaintext, cipher.Decrypt(b, "test"));
    }

    [Fact]
    public void Altered_data_a_wrong_purpose_or_a_wrong_key_fail_clearly()
    {
        using var cipher = new MessageCipher(RandomNumberGenerator.GetBytes(32));
        using var other = new MessageCipher(RandomNumberGenerator.GetBytes(32));
        var record = cipher.Encrypt("ordonnance"u8, "message");
        var altered = record.ToArray();
        altered[^1] ^= 1;

        Assert.Throws<StoreDecryptionException>(() => cipher.Decrypt(altered, "message"));
        Assert.Throws<StoreDecryptionException>(() => cipher.Decrypt(record, "envelope"));
        Assert.Throws<StoreDecryptionException>(() => other.Decrypt(record, "message"));
        Assert.Throws<StoreDecryptionException>(() => cipher.Decrypt(record.AsSpan(0, 10), "message"));
    }

    [Fact]
    public void A_key_file_of_the_wrong_size_is_refused_and_base64_is_accepted()
    {
        Directory.CreateDirectory(directory);
        var bad = Path.Combine(directory, "bad.key");
        File.WriteAllBytes(bad, new byte[16]);
        var text = Path.Combine(directory, "text.key");
        var key = RandomNumberGenerator.GetBytes(32);
        File.WriteAllText(text, Convert.ToBase64String(key) + "\n");

        var error = Assert.Throws<InvalidDataException>(() => MessageCipher.LoadOrCreate(bad));
        Assert.Contains("32 bytes", error.Message, StringComparison.Ordinal);
        using var fromText = MessageCipher.LoadOrCreate(text);
        using var fromBytes = new MessageCipher(key);
        Assert.Equal("x"u8.ToArray(), fromBytes.Decrypt(fromText.Encrypt("x"u8, "p"), "p"));
    }
}
