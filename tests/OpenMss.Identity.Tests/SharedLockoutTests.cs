using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using OpenMss.Identity.Tests.Support;

namespace OpenMss.Identity.Tests;

/// <summary>Failed sign-in counters and used one-time codes live in the database: restarts and other nodes see them.</summary>
public sealed class SharedLockoutTests
{
    [Fact]
    public async Task A_lockout_survives_a_restart_and_holds_on_another_node()
    {
        var directory = Path.Combine(Path.GetTempPath(), "openmss-identity-" + Guid.NewGuid().ToString("N")[..12]);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        try
        {
            TestAccount account;
            await using (var first = await IdentityTestHost.StartAsync(directory: directory, time: time))
            {
                account = await first.CreateAccountAsync();
                for (var i = 0; i < 5; i++)
                {
                    await first.PasswordGrantAsync(account.Rpps, "mauvais-mot-de-passe", first.Code(account));
                }

                // A second node on the same database refuses the right credentials too.
                await using var other = await IdentityTestHost.StartAsync(directory: directory, time: time);
                var onOther = await other.PasswordGrantAsync(account);
                Assert.Equal("Trop de tentatives de connexion échouées. Réessayez dans 1 minute.", onOther.ErrorDescription);
                Assert.Equal("60", onOther.RetryAfter);
            }

            await using var restarted = await IdentityTestHost.StartAsync(directory: directory, time: time);
            var locked = await restarted.PasswordGrantAsync(account);
            Assert.Equal(HttpStatusCode.BadRequest, locked.Status);
            Assert.Equal("invalid_grant", locked.Error);
            Assert.Equal("Trop de tentatives de connexion échouées. Réessayez dans 1 minute.", locked.ErrorDescription);
            Assert.Contains(await restarted.Provider.Audit.QueryAsync(account.Subject), a => a.Result == "locked" && a.Reason == "rate_limited");

            // The backoff continues where it was: the second lockout is twice as long.
            time.Advance(TimeSpan.FromSeconds(61));
            for (var i = 0; i < 5; i++)
            {
                await restarted.PasswordGrantAsync(account.Rpps, "mauvais-mot-de-passe", restarted.Code(account));
            }

            Assert.Equal("Trop de tentatives de connexion échouées. Réessayez dans 2 minutes.", (await restarted.PasswordGrantAsync(account)).ErrorDescription);
            time.Advance(TimeSpan.FromSeconds(121));
            Assert.Equal(HttpStatusCode.OK, (await restarted.PasswordGrantAsync(account)).Status);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            IdentityTestHost.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task An_address_lockout_is_shared_by_the_nodes()
    {
        var directory = Path.Combine(Path.GetTempPath(), "openmss-identity-" + Guid.NewGuid().ToString("N")[..12]);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        try
        {
            await using var first = await IdentityTestHost.StartAsync(options => options.Throttle.FailuresPerAddress = 4, directory: directory, time: time);
            await using var second = await IdentityTestHost.StartAsync(options => options.Throttle.FailuresPerAddress = 4, directory: directory, time: time);
            var account = await first.CreateAccountAsync();

            // Failures spread over both nodes add up for 127.0.0.1.
            await first.PasswordGrantAsync(TestIdentifiers.NewRpps(), "un-mot-de-passe", "123456");
            await second.PasswordGrantAsync(TestIdentifiers.NewRpps(), "un-mot-de-passe", "123456");
            await first.PasswordGrantAsync(TestIdentifiers.NewRpps(), "un-mot-de-passe", "123456");
            await second.PasswordGrantAsync(TestIdentifiers.NewRpps(), "un-mot-de-passe", "123456");

            Assert.StartsWith("Trop de tentatives", (await first.PasswordGrantAsync(account)).ErrorDescription, StringComparison.Ordinal);
            Assert.StartsWith("Trop de tentatives", (await second.PasswordGrantAsync(account)).ErrorDescription, StringComparison.Ordinal);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            IdentityTestHost.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task A_code_accepted_once_is_refused_on_every_node_within_its_window()
    {
        var directory = Path.Combine(Path.GetTempPath(), "openmss-identity-" + Guid.NewGuid().ToString("N")[..12]);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        try
        {
            await using var first = await IdentityTestHost.StartAsync(directory: directory, time: time);
            await using var second = await IdentityTestHost.StartAsync(directory: directory, time: time);
            var account = await first.CreateAccountAsync();
            var code = first.Code(account);

            Assert.Equal(HttpStatusCode.OK, (await first.PasswordGrantAsync(account, code)).Status);

            // RFC 6238 §5.2: the same code, still inside its window (now and 30 s later), is refused on the other node.
            var replayed = await second.PasswordGrantAsync(account, code);
            Assert.Equal("invalid_grant", replayed.Error);
            Assert.Equal("Identifiant, mot de passe ou code incorrect.", replayed.ErrorDescription);
            time.Advance(TimeSpan.FromSeconds(OneTimeCodesStep));
            Assert.Equal("invalid_grant", (await first.PasswordGrantAsync(account, code)).Error);
            Assert.Equal(2, (await first.Provider.Audit.QueryAsync(account.Subject)).Count(a => a.Reason == "replayed_code"));

            // The next code works.
            Assert.Equal(HttpStatusCode.OK, (await second.PasswordGrantAsync(account, second.Code(account))).Status);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            IdentityTestHost.DeleteDirectory(directory);
        }
    }

    private const int OneTimeCodesStep = OpenMss.Identity.Accounts.OneTimeCodes.StepSeconds;
}
