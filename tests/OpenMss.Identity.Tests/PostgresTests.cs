using System.Net;
using OpenMss.Identity.Tests.Support;
using OpenMss.Identity.Validation;
using OpenMss.Testing;

namespace OpenMss.Identity.Tests;

public sealed class PostgresTests
{
    [Fact]
    public async Task The_provider_runs_on_postgresql_and_shares_a_database_with_other_tables()
    {
        var server = await PostgresServer.GetAsync();
        var (name, connectionString) = await server.CreateDatabaseAsync();
        try
        {
            // Another part's table already there: the identity tables must still be created.
            await using (var connection = new Npgsql.NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var command = new Npgsql.NpgsqlCommand("CREATE TABLE someone_elses_table (id int)", connection);
                await command.ExecuteNonQueryAsync();
            }

            await using var host = await IdentityTestHost.StartAsync(options => options.Database = IdentityDatabase.Postgres(connectionString));
            var account = await host.CreateAccountAsync();

            var reply = await host.PasswordGrantAsync(account);

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            using var validator = host.Validator();
            Assert.Equal(account.Subject, (await validator.ValidateAsync(reply.AccessToken)).Subject);
            Assert.Equal("replayed_code", await ReplayReasonAsync(host, account));
            Assert.DoesNotContain("Password", IdentityDatabase.Postgres(connectionString + ";Password=topsecret").ToString(), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await server.DropDatabaseAsync(name);
        }
    }

    [Fact]
    public async Task On_postgresql_a_version_1_database_is_upgraded_and_lockouts_and_sealed_secrets_survive_a_restart()
    {
        var server = await PostgresServer.GetAsync();
        var (name, connectionString) = await server.CreateDatabaseAsync();
        var directory = Path.Combine(Path.GetTempPath(), "openmss-identity-" + Guid.NewGuid().ToString("N")[..12]);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        void Configure(IdentityProviderOptions options) => options.Database = IdentityDatabase.Postgres(connectionString);
        try
        {
            TestAccount account;
            await using (var first = await IdentityTestHost.StartAsync(Configure, directory, time))
            {
                account = await first.CreateAccountAsync();
            }

            // Back to what schema version 1 looked like.
            await ExecuteAsync(connectionString,
                $"UPDATE identity_accounts SET totp_secret = '{account.Secret}' WHERE subject = '{account.Subject}'",
                "DROP TABLE identity_signin_throttle",
                "DROP TABLE identity_patient_codes",
                "DROP TABLE identity_patients",
                "ALTER TABLE identity_accounts DROP COLUMN disabled",
                "ALTER TABLE identity_accounts ALTER COLUMN totp_secret TYPE character varying(128)",
                "UPDATE identity_schema SET version = 1");

            await using (var upgraded = await IdentityTestHost.StartAsync(Configure, directory, time))
            {
                Assert.StartsWith("enc1:", await ScalarAsync(connectionString, $"SELECT totp_secret FROM identity_accounts WHERE subject = '{account.Subject}'"), StringComparison.Ordinal);
                Assert.Equal("3", await ScalarAsync(connectionString, "SELECT MAX(version) FROM identity_schema"));
                Assert.Equal("0", await ScalarAsync(connectionString, "SELECT COUNT(*) FROM identity_patients"));
                Assert.Equal(HttpStatusCode.OK, (await upgraded.PasswordGrantAsync(account)).Status);
                for (var i = 0; i < 5; i++)
                {
                    await upgraded.PasswordGrantAsync(account.Rpps, "mauvais-mot-de-passe", upgraded.Code(account, +1));
                }
            }

            await using var restarted = await IdentityTestHost.StartAsync(Configure, directory, time);
            Assert.Equal("Trop de tentatives de connexion échouées. Réessayez dans 1 minute.", (await restarted.PasswordGrantAsync(account, restarted.Code(account, +1))).ErrorDescription);
            time.Advance(TimeSpan.FromSeconds(61));
            Assert.Equal(HttpStatusCode.OK, (await restarted.PasswordGrantAsync(account)).Status);
            Assert.True(await restarted.Provider.Accounts.SetEnabledAsync(account.Rpps, enabled: false));
            Assert.False((await restarted.Provider.Accounts.FindAsync(account.Rpps))!.IsEnabled);
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await server.DropDatabaseAsync(name);
            IdentityTestHost.DeleteDirectory(directory);
        }
    }

    private static async Task ExecuteAsync(string connectionString, params string[] statements)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task<string> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    private static async Task<string> ReplayReasonAsync(IdentityTestHost host, TestAccount account)
    {
        await host.PasswordGrantAsync(account);
        return (await host.Provider.Audit.QueryAsync(account.Subject))[0].Reason;
    }
}
