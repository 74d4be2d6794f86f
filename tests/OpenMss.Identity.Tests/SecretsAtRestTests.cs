using System.Buffers.Binary;
using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OpenMss.Identity.Accounts;
using OpenMss.Identity.Tests.Support;

namespace OpenMss.Identity.Tests;

public sealed class SecretsAtRestTests
{
    [Fact]
    public async Task Totp_secrets_are_encrypted_in_the_database_under_a_0600_key_file()
    {
        await using var host = await IdentityTestHost.StartAsync();
        var account = await host.CreateAccountAsync();

        var stored = await ScalarAsync(host.Directory, $"SELECT totp_secret FROM identity_accounts WHERE subject = '{account.Subject}'");
        Assert.StartsWith("enc1:", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(account.Secret, stored, StringComparison.OrdinalIgnoreCase);
        foreach (var file in Directory.GetFiles(host.Directory, "identity.db*"))
        {
            // The database file and its write-ahead log, as raw bytes.
            Assert.DoesNotContain(account.Secret, System.Text.Encoding.Latin1.GetString(await ReadSharedAsync(file)), StringComparison.Ordinal);
        }

        Assert.Equal(Path.Combine(host.Directory, "totp-secrets.key"), host.Provider.SecretsKeyPath);
        Assert.Equal(32, new FileInfo(host.Provider.SecretsKeyPath).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(host.Provider.SecretsKeyPath));

        // The sealed secret still checks codes.
        Assert.Equal(HttpStatusCode.OK, (await host.PasswordGrantAsync(account)).Status);
    }

    [Fact]
    public async Task A_sealed_secret_moved_to_another_account_does_not_open()
    {
        await using var host = await IdentityTestHost.StartAsync();
        var victim = await host.CreateAccountAsync();
        var attacker = await host.CreateAccountAsync();

        // Someone with write access to the database copies the victim's sealed secret onto another row.
        await ExecuteAsync(host.Directory, $"UPDATE identity_accounts SET totp_secret = (SELECT totp_secret FROM identity_accounts WHERE subject = '{victim.Subject}') WHERE subject = '{attacker.Subject}'");

        await Assert.ThrowsAsync<OpenMss.Storage.StoreDecryptionException>(() =>
            host.Provider.Accounts.VerifyCredentialsAsync(attacker.Rpps, attacker.Password, host.Code(victim)));
    }

    [Fact]
    public async Task A_database_of_schema_version_1_is_upgraded_and_its_clear_secrets_encrypted_at_start()
    {
        var directory = Path.Combine(Path.GetTempPath(), "openmss-identity-" + Guid.NewGuid().ToString("N")[..12]);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        try
        {
            TestAccount account;
            await using (var first = await IdentityTestHost.StartAsync(directory: directory, time: time))
            {
                account = await first.CreateAccountAsync();
            }

            // Make it look like version 1: secret in clear, no counters table, no disabled column.
            SqliteConnection.ClearAllPools();
            await ExecuteAsync(directory,
                $"UPDATE identity_accounts SET totp_secret = '{account.Secret}' WHERE subject = '{account.Subject}'",
                "DROP TABLE identity_signin_throttle",
                "DROP TABLE identity_patient_codes",
                "DROP TABLE identity_patients",
                "ALTER TABLE identity_accounts DROP COLUMN disabled",
                "UPDATE identity_schema SET version = 1");
            File.Delete(Path.Combine(directory, "totp-secrets.key"));

            await using var second = await IdentityTestHost.StartAsync(directory: directory, time: time);
            SqliteConnection.ClearAllPools();
            var stored = await ScalarAsync(directory, $"SELECT totp_secret FROM identity_accounts WHERE subject = '{account.Subject}'");
            Assert.StartsWith("enc1:", stored, StringComparison.Ordinal);
            Assert.Equal("3", await ScalarAsync(directory, "SELECT MAX(version) FROM identity_schema"));
            Assert.Equal("0", await ScalarAsync(directory, "SELECT COUNT(*) FROM identity_patients"));
            Assert.True(File.Exists(Path.Combine(directory, "totp-secrets.key")));
            Assert.Contains(second.Logs.Lines, l => l.Message == "Encrypted 1 TOTP secrets left in clear by an earlier version");

            // The professional's authenticator keeps working, and the new tables are in use.
            Assert.Equal(HttpStatusCode.OK, (await second.PasswordGrantAsync(account)).Status);
            Assert.Equal(HttpStatusCode.BadRequest, (await second.PasswordGrantAsync(account.Rpps, "mauvais-mot-de-passe", second.Code(account, +1))).Status);
            Assert.True(await second.Provider.Accounts.SetEnabledAsync(account.Rpps, enabled: false));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            IdentityTestHost.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task Passwords_are_pbkdf2_sha512_with_210000_iterations_and_weaker_hashes_are_replaced_at_login()
    {
        await using var host = await IdentityTestHost.StartAsync();
        var account = await host.CreateAccountAsync();
        var other = await host.CreateAccountAsync();

        var hash = Convert.FromBase64String(await HashOfAsync(host, account));
        Assert.Equal(0x01, hash[0]);                                                    // ASP.NET Core Identity v3 format
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(1)));        // HMAC-SHA512
        Assert.Equal(210_000u, BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(5)));  // iterations
        Assert.Equal(16u, BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(9)));       // salt bytes
        Assert.NotEqual(await HashOfAsync(host, other), await HashOfAsync(host, account));

        // A hash written by the earlier version (100,000 iterations) still lets the professional in, once, and is replaced.
        var weak = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = 100_000 })).HashPassword(new object(), account.Password);
        await ExecuteAsync(host.Directory, $"UPDATE identity_accounts SET password_hash = '{weak}' WHERE subject = '{account.Subject}'");

        Assert.Equal(HttpStatusCode.OK, (await host.PasswordGrantAsync(account)).Status);

        var upgraded = Convert.FromBase64String(await HashOfAsync(host, account));
        Assert.Equal(210_000u, BinaryPrimitives.ReadUInt32BigEndian(upgraded.AsSpan(5)));
        Assert.NotNull(await host.Provider.VerifyPasswordAsync(account.Rpps, account.Password));
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static Task<string> HashOfAsync(IdentityTestHost host, TestAccount account) =>
        ScalarAsync(host.Directory, $"SELECT password_hash FROM identity_accounts WHERE subject = '{account.Subject}'");

    internal static async Task<string> ScalarAsync(string directory, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "identity.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    internal static async Task ExecuteAsync(string directory, params string[] statements)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "identity.db")};Pooling=False");
        await connection.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
    }
}
