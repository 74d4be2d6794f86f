using System.Net;
using OpenMss.Identity.Tests.Support;

namespace OpenMss.Identity.Tests;

public sealed class RateLimitTests
{
    [Fact]
    public async Task Five_failures_lock_the_account_for_a_minute_then_longer()
    {
        await using var host = await IdentityTestHost.StartAsync();
        var account = await host.CreateAccountAsync();

        for (var i = 0; i < 5; i++)
        {
            var failed = await host.PasswordGrantAsync(account.Rpps, "mauvais-mot-de-passe", host.Code(account));
            Assert.Equal("Identifiant, mot de passe ou code incorrect.", failed.ErrorDescription);
        }

        // Even the right credentials are refused while locked, with a clear message and Retry-After.
        var locked = await host.PasswordGrantAsync(account);
        Assert.Equal(HttpStatusCode.BadRequest, locked.Status);
        Assert.Equal("invalid_grant", locked.Error);
        Assert.Equal("Trop de tentatives de connexion échouées. Réessayez dans 1 minute.", locked.ErrorDescription);
        Assert.Equal("60", locked.RetryAfter);
        Assert.Contains(await host.Provider.Audit.QueryAsync(account.Subject), a => a.Result == "locked" && a.Reason == "rate_limited");

        host.Time.Advance(TimeSpan.FromSeconds(61));
        for (var i = 0; i < 5; i++)
        {
            await host.PasswordGrantAsync(account.Rpps, "mauvais-mot-de-passe", host.Code(account));
        }

        // The second lockout is twice as long.
        var lockedAgain = await host.PasswordGrantAsync(account);
        Assert.Equal("Trop de tentatives de connexion échouées. Réessayez dans 2 minutes.", lockedAgain.ErrorDescription);

        host.Time.Advance(TimeSpan.FromSeconds(121));
        var unlocked = await host.PasswordGrantAsync(account);
        Assert.Equal(HttpStatusCode.OK, unlocked.Status);
    }

    [Fact]
    public async Task Unknown_identifiers_are_locked_like_real_ones()
    {
        await using var host = await IdentityTestHost.StartAsync();
        var unknown = TestIdentifiers.NewRpps();

        for (var i = 0; i < 5; i++)
        {
            await host.PasswordGrantAsync(unknown, "un-mot-de-passe", "123456");
        }

        var reply = await host.PasswordGrantAsync(unknown, "un-mot-de-passe", "123456");
        Assert.StartsWith("Trop de tentatives", reply.ErrorDescription, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failures_from_one_address_lock_that_address_for_every_account()
    {
        await using var host = await IdentityTestHost.StartAsync(options => options.Throttle.FailuresPerAddress = 3);
        var account = await host.CreateAccountAsync();

        for (var i = 0; i < 3; i++)
        {
            await host.PasswordGrantAsync(TestIdentifiers.NewRpps(), "un-mot-de-passe", "123456");
        }

        var reply = await host.PasswordGrantAsync(account);
        Assert.StartsWith("Trop de tentatives", reply.ErrorDescription, StringComparison.Ordinal);

        host.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await host.PasswordGrantAsync(account)).Status);
    }

    [Fact]
    public async Task A_success_clears_the_account_counter()
    {
        await using var host = await IdentityTestHost.StartAsync();
        var account = await host.CreateAccountAsync();

        for (var i = 0; i < 4; i++)
        {
            await host.PasswordGrantAsync(account.Rpps, "mauvais-mot-de-passe", host.Code(account));
        }

        Assert.Equal(HttpStatusCode.OK, (await host.PasswordGrantAsync(account)).Status);
        for (var i = 0; i < 4; i++)
        {
            await host.PasswordGrantAsync(account.Rpps, "mauvais-mot-de-passe", host.Code(account));
        }

        Assert.Equal(HttpStatusCode.OK, (await host.PasswordGrantAsync(account, host.Code(account, +1))).Status);
    }
}
