using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Time.Testing;
using OpenMss.Core.Identifiers;
using OpenMss.Identity.Accounts;
using OpenMss.Identity.Tests.Support;

namespace OpenMss.Identity.Tests;

public sealed class AccountStoreTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "openmss-identity-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private AccountStore _store = null!;

    public async Task InitializeAsync() =>
        _store = await AccountStore.OpenAsync(IdentityDatabase.Sqlite(Path.Combine(_directory, "identity.db")),
            new AccountStoreOptions { SecretsKeyPath = Path.Combine(_directory, "totp-secrets.key"), TimeProvider = _time });

    public Task DisposeAsync()
    {
        IdentityTestHost.DeleteDirectory(_directory);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_rpps_with_a_wrong_key_is_refused_with_a_clear_reason()
    {
        var rpps = TestIdentifiers.WithWrongKey(TestIdentifiers.NewRpps());

        var error = await Assert.ThrowsAsync<IdentifierFormatException>(() => _store.CreateOrUpdateAccountAsync(rpps, "Dr X", "un-bon-mot-de-passe"));

        Assert.Equal(IdentifierErrorCode.InvalidKey, error.Error.Code);
        Assert.False(string.IsNullOrEmpty(error.Error.Reason));
        Assert.Empty(await _store.ListAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1234")]
    [InlineData("1000123456A")]
    public async Task Malformed_identifiers_are_refused(string identifier)
    {
        await Assert.ThrowsAsync<IdentifierFormatException>(() => _store.CreateOrUpdateAccountAsync(identifier, "Dr X", "un-bon-mot-de-passe"));
    }

    [Fact]
    public async Task Weak_inputs_are_refused()
    {
        var rpps = TestIdentifiers.NewRpps();
        await Assert.ThrowsAsync<ArgumentException>(() => _store.CreateOrUpdateAccountAsync(rpps, "Dr X", "court"));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.CreateOrUpdateAccountAsync(rpps, "  ", "un-bon-mot-de-passe"));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.CreateOrUpdateAccountAsync(rpps, "Dr X", "un-bon-mot-de-passe", "not base32!"));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.CreateOrUpdateAccountAsync(rpps, "Dr X", "un-bon-mot-de-passe", "JBSWY3DP"));
    }

    [Fact]
    public async Task An_account_gets_a_totp_secret_and_an_otpauth_uri()
    {
        var rpps = TestIdentifiers.NewRpps();

        var enrollment = await _store.CreateOrUpdateAccountAsync(rpps, "Dr Émile Roux", "un-bon-mot-de-passe");

        Assert.Equal("8" + rpps, enrollment.Account.Subject);
        Assert.Equal(rpps, enrollment.Account.Rpps);
        Assert.Equal(32, enrollment.SecretBase32.Length);
        Assert.Equal("otpauth", enrollment.OtpAuthUri.Scheme);
        Assert.Equal("totp", enrollment.OtpAuthUri.Host);
        var query = QueryHelpers.ParseQuery(enrollment.OtpAuthUri.Query);
        Assert.Equal(enrollment.SecretBase32, query["secret"].ToString());
        Assert.Equal("OpenMSS", query["issuer"].ToString());
        Assert.DoesNotContain(enrollment.SecretBase32, enrollment.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Updating_keeps_the_secret_unless_a_new_one_is_given()
    {
        var rpps = TestIdentifiers.NewRpps();
        var first = await _store.CreateOrUpdateAccountAsync(rpps, "Dr A", "premier-mot-de-passe");

        var second = await _store.CreateOrUpdateAccountAsync(rpps, "Dr B", "second-mot-de-passe");
        Assert.Equal(first.SecretBase32, second.SecretBase32);
        Assert.Equal("Dr B", (await _store.FindAsync(rpps))!.DisplayName);
        Assert.Null(await _store.VerifyPasswordAsync(rpps, "premier-mot-de-passe"));
        Assert.NotNull(await _store.VerifyPasswordAsync(rpps, "second-mot-de-passe"));

        var given = OneTimeCodes.GenerateSecret();
        var third = await _store.CreateOrUpdateAccountAsync(rpps, "Dr B", "second-mot-de-passe", given.ToLowerInvariant());
        Assert.Equal(given, third.SecretBase32);
        Assert.Single(await _store.ListAsync());
    }

    [Fact]
    public async Task Passwords_are_checked_without_the_code_for_plain_login()
    {
        var rpps = TestIdentifiers.NewRpps();
        await _store.CreateOrUpdateAccountAsync(rpps, "Dr A", "un-bon-mot-de-passe");

        var account = await _store.VerifyPasswordAsync(rpps, "un-bon-mot-de-passe");
        Assert.Equal("8" + rpps, account?.Subject);
        Assert.Equal("8" + rpps, (await _store.VerifyPasswordAsync("8" + rpps, "un-bon-mot-de-passe"))?.Subject);
        Assert.Null(await _store.VerifyPasswordAsync(rpps, "un-mauvais-mot-de-passe"));
        Assert.Null(await _store.VerifyPasswordAsync(TestIdentifiers.NewRpps(), "un-bon-mot-de-passe"));
        Assert.Null(await _store.VerifyPasswordAsync("n'importe quoi", "un-bon-mot-de-passe"));
    }

    [Fact]
    public async Task An_adeli_professional_has_an_idnat_starting_with_zero()
    {
        var enrollment = await _store.CreateOrUpdateAccountAsync("123456789", "Mme Infirmière", "un-bon-mot-de-passe");

        Assert.Equal("0123456789", enrollment.Account.Subject);
        Assert.Equal("123456789", enrollment.Account.Adeli);
        Assert.Null(enrollment.Account.Rpps);
    }

    [Fact]
    public async Task A_code_is_accepted_once()
    {
        var rpps = TestIdentifiers.NewRpps();
        var enrollment = await _store.CreateOrUpdateAccountAsync(rpps, "Dr A", "un-bon-mot-de-passe");
        var code = OneTimeCodes.Compute(enrollment.SecretBase32, _time.GetUtcNow());

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _store.VerifyCredentialsAsync(rpps, "un-bon-mot-de-passe", code)));

        Assert.Single(results, r => r.Succeeded);
        Assert.Equal(3, results.Count(r => r.Result == CredentialCheckResult.ReplayedCode));

        _time.Advance(TimeSpan.FromSeconds(OneTimeCodes.StepSeconds));
        var next = OneTimeCodes.Compute(enrollment.SecretBase32, _time.GetUtcNow());
        Assert.True((await _store.VerifyCredentialsAsync(rpps, "un-bon-mot-de-passe", next)).Succeeded);
    }

    [Fact]
    public async Task Deleting_an_account_removes_it()
    {
        var rpps = TestIdentifiers.NewRpps();
        await _store.CreateOrUpdateAccountAsync(rpps, "Dr A", "un-bon-mot-de-passe");

        Assert.True(await _store.DeleteAsync(rpps));
        Assert.False(await _store.DeleteAsync(rpps));
        Assert.Null(await _store.FindAsync(rpps));
    }
}
