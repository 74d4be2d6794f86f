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
            using var validator = new AccessTokenValidator(host.Provider.Issuer);
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

    private static async Task<string> ReplayReasonAsync(IdentityTestHost host, TestAccount account)
    {
        await host.PasswordGrantAsync(account);
        return (await host.Provider.Audit.QueryAsync(account.Subject))[0].Reason;
    }
}
