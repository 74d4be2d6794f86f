using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Host;
using OpenMss.Identity.Accounts;
using OpenMss.Imap.Server;
using OpenMss.Sasl.Throttling;
using OpenMss.Storage;
using OpenMss.Testing;

namespace OpenMss.EndToEnd.Tests;

/// <summary>Every access to a mailbox is in the audit trail, including the ones that could not be checked.</summary>
public sealed class ImapAccessAuditTests
{
    [Theory]
    [MemberData(nameof(TestStores.Backends), MemberType = typeof(TestStores))]
    public async Task A_login_while_the_account_store_is_down_is_a_temporary_failure_recorded_in_the_audit_trail(StoreBackend backend)
    {
        await using var store = await TestStores.CreateAsync(backend);
        var credentials = new ProfessionalAuthenticator(store, tokens: null, new BrokenAccounts(), allowPasswords: true, NullLogger<ProfessionalAuthenticator>.Instance);
        var access = new ImapAccess(store, store, credentials, new AuthThrottle(new AuthThrottleOptions(), TimeProvider.System), TimeProvider.System, NullLogger<ImapAccess>.Instance);
        var client = new ImapClientInfo(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 50123), IsTls: true);

        var result = await access.AuthenticatePasswordAsync("10001234567", "secret", "pharmacie@pharmacien.mssante.fr", client);

        Assert.False(result.Succeeded);
        Assert.True(result.TemporaryFailure);
        var audit = Assert.Single(await store.QueryAuditAsync(new AuditQuery(Actor: "10001234567")));
        Assert.Equal(("auth", "error", "192.0.2.7", "pharmacie@pharmacien.mssante.fr"), (audit.Action, audit.Result, audit.ClientAddress, audit.Mailbox));
        Assert.DoesNotContain("secret", audit.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_login_while_the_identity_provider_is_unreachable_is_temporary_and_locks_nobody_out()
    {
        await using var store = await TestStores.CreateAsync(StoreBackend.Sqlite);
        var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there any more: connections are refused
        using var validator = new OpenMss.Identity.Validation.AccessTokenValidator(new Uri($"https://127.0.0.1:{port}/"));
        var credentials = new ProfessionalAuthenticator(store, validator, accounts: null, allowPasswords: false, NullLogger<ProfessionalAuthenticator>.Instance);
        var access = new ImapAccess(store, store, credentials, new AuthThrottle(new AuthThrottleOptions { MaxAddressFailures = 2 }, TimeProvider.System), TimeProvider.System, NullLogger<ImapAccess>.Instance);
        var client = new ImapClientInfo(new IPEndPoint(IPAddress.Parse("192.0.2.8"), 50124), IsTls: true);
        const string token = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI4MTAwMDEyMzQ1NjUifQ.c2lnbmF0dXJl";

        for (var i = 0; i < 4; i++)
        {
            var result = await access.AuthenticateTokenAsync(token, null, null, client);
            Assert.False(result.Succeeded);
            Assert.True(result.TemporaryFailure, result.FailureReason);
            Assert.DoesNotContain("Too many", result.FailureReason, StringComparison.Ordinal);
        }

        var audit = await store.QueryAuditAsync(new AuditQuery());
        Assert.Equal(4, audit.Count(e => e is { Action: "auth", Result: "error", ClientAddress: "192.0.2.8" }));
        Assert.DoesNotContain(audit, e => e.Result is "failed" or "rate_limited");
        Assert.DoesNotContain(audit, e => e.ToString().Contains(token, StringComparison.Ordinal));
    }

    private sealed class BrokenAccounts : IAccountStore
    {
        private static Exception Down() => new InvalidOperationException("identity database unreachable");

        public Task<TotpEnrollment> CreateOrUpdateAccountAsync(string rpps, string displayName, string password, string? totpSecretBase32 = null, CancellationToken cancellationToken = default) => throw Down();

        public Task<ProfessionalAccount?> FindAsync(string identifier, CancellationToken cancellationToken = default) => throw Down();

        public Task<IReadOnlyList<ProfessionalAccount>> ListAsync(CancellationToken cancellationToken = default) => throw Down();

        public Task<bool> DeleteAsync(string identifier, CancellationToken cancellationToken = default) => throw Down();

        public Task<bool> SetEnabledAsync(string identifier, bool enabled, CancellationToken cancellationToken = default) => throw Down();

        public Task<ProfessionalAccount?> VerifyPasswordAsync(string identifier, string password, CancellationToken cancellationToken = default) => throw Down();

        public Task<OpenMss.Identity.Accounts.CredentialCheck> VerifyCredentialsAsync(string identifier, string password, string oneTimeCode, CancellationToken cancellationToken = default) => throw Down();
    }
}
