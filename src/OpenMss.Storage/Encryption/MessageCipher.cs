using System.Security.Cryptography;
using System.Text;

namespace OpenMss.Storage;

/// <summary>
/// Encrypts what the store keeps at rest (message bytes, envelopes) with AES-256-GCM, using a
/// key held in a file outside the database, as French health-data hosting (HDS) expects.
/// </summary>
/// <remarks>
/// A sealed record is <c>version (1 byte) | nonce (12) | tag (16) | ciphertext</c>. The nonce is
/// random per record (96 bits: safe for far more records than a store holds under one key), and
/// a purpose string is authenticated as associated data so that a record cannot be passed off
/// as another kind. Thread-safe.
/// </remarks>
public sealed class MessageCipher : IDisposable
{
    /// <summary>Key length in bytes (AES-256).</summary>
    public const int KeySize = 32;

    /// <summary>Bytes added to each record: version, nonce and tag.</summary>
    public const int Overhead = 1 + NonceSize + TagSize;

    private const byte FormatVersion = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] key;
    // AesGcm instances hold native cipher state and are not documented as thread-safe: one per thread.
    private readonly ThreadLocal<AesGcm> aes;
    private bool disposed;

    /// <summary>Creates a cipher from a 32-byte key.</summary>
    public MessageCipher(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"An encryption key must be {KeySize} bytes long, not {key.Length}.", nameof(key));
        }

        this.key = key.ToArray();
        aes = new ThreadLocal<AesGcm>(() => new AesGcm(this.key, TagSize), trackAllValues: true);
    }

    /// <summary>
    /// Loads the key from <paramref name="keyFilePath"/> (32 raw bytes, or their base64 text), or
    /// creates the file with 32 random bytes and mode 0600 when it does not exist.
    /// </summary>
    /// <exception cref="InvalidDataException">The file exists but does not hold a 32-byte key.</exception>
    public static MessageCipher LoadOrCreate(string keyFilePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyFilePath);
        var path = Path.GetFullPath(keyFilePath);
        if (!File.Exists(path))
        {
            TryCreateKeyFile(path);
        }

        var content = File.ReadAllBytes(path);
        byte[]? key = null;
        try
        {
            key = DecodeKey(content, path);
            return new MessageCipher(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
            if (key is not null)
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }
    }

    /// <summary>Encrypts <paramref name="plaintext"/>, authenticating <paramref name="purpose"/> with it.</summary>
    public byte[] Encrypt(ReadOnlySpan<byte> plaintext, string purpose)
    {
        var output = new byte[plaintext.Length + Overhead];
        Encrypt(plaintext, purpose, output);
        return output;
    }

    /// <summary>Encrypts into <paramref name="destination"/>, which must be exactly <c>plaintext.Length + Overhead</c> bytes.</summary>
    public void Encrypt(ReadOnlySpan<byte> plaintext, string purpose, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (destination.Length != plaintext.Length + Overhead)
        {
            throw new ArgumentException("The destination must be exactly the plaintext length plus the overhead.", nameof(destination));
        }

        destination[0] = FormatVersion;
        var nonce = destination.Slice(1, NonceSize);
        var tag = destination.Slice(1 + NonceSize, TagSize);
        RandomNumberGenerator.Fill(nonce);
        Span<byte> aad = stackalloc byte[64];
        aes.Value!.Encrypt(nonce, plaintext, destination[Overhead..], tag, Purpose(purpose, aad));
    }

    /// <summary>Decrypts a record written by <see cref="Encrypt(ReadOnlySpan{byte}, string)"/> with the same purpose.</summary>
    /// <exception cref="StoreDecryptionException">Wrong key, wrong purpose, or altered data.</exception>
    public byte[] Decrypt(ReadOnlySpan<byte> record, string purpose)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (record.Length < Overhead || record[0] != FormatVersion)
        {
            throw new StoreDecryptionException(
                record.Length < Overhead
                    ? "A stored record is too short to be an encrypted record."
                    : $"A stored record has an unknown encryption format version {record[0]}.");
        }

        var plaintext = new byte[record.Length - Overhead];
        Span<byte> aad = stackalloc byte[64];
        try
        {
            aes.Value!.Decrypt(record.Slice(1, NonceSize), record[Overhead..], record.Slice(1 + NonceSize, TagSize), plaintext, Purpose(purpose, aad));
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new StoreDecryptionException(
                "Stored data could not be decrypted: the encryption key file does not match the key the data was written with, or the data was altered.",
                ex);
        }

        return plaintext;
    }

    /// <summary>
    /// Derives a 32-byte key for another use of the store (HKDF-SHA256, RFC 5869, with
    /// <paramref name="purpose"/> as info), so that no second key file exists and the derived key
    /// is never written anywhere. The caller zeroes it when done.
    /// </summary>
    internal byte[] DeriveSubkey(string purpose)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, key, KeySize, salt: [], info: Encoding.ASCII.GetBytes(purpose));
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var instance in aes.Values)
        {
            instance.Dispose();
        }

        aes.Dispose();
        CryptographicOperations.ZeroMemory(key);
    }

    private static ReadOnlySpan<byte> Purpose(string purpose, Span<byte> buffer)
    {
        var count = Encoding.ASCII.GetBytes(purpose, buffer);
        return buffer[..count];
    }

    private static void TryCreateKeyFile(string path)
    {
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var key = RandomNumberGenerator.GetBytes(KeySize);
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var stream = new FileStream(path, options);
            stream.Write(key);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created the key at the same moment: use theirs.
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static byte[] DecodeKey(byte[] content, string path)
    {
        if (content.Length == KeySize)
        {
            return content.ToArray();
        }

        var text = Encoding.ASCII.GetString(content).Trim();
        var decoded = new byte[(text.Length * 3 / 4) + 3];
        try
        {
            if (Convert.TryFromBase64String(text, decoded, out var written) && written == KeySize)
            {
                return decoded[..KeySize];
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(decoded);
        }

        throw new InvalidDataException($"The encryption key file {path} must hold exactly {KeySize} bytes (raw, or as base64 text).");
    }
}
