using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenMss.Identity.Tests.Support;
using OpenMss.Identity.Validation;
using OpenMss.Testing;

namespace OpenMss.Identity.Tests;

public sealed class AccessTokenValidatorTests
{
    [Fact]
    public async Task A_token_past_its_expiry_is_refused()
    {
        await using var host = await IdentityTestHost.StartAsync();
        using var key = await ProviderKeyAsync(host);
        var token = Forge(key, host.Provider.Issuer.AbsoluteUri, IdentityProtocol.MailAudience,
            expires: DateTime.UtcNow.AddMinutes(-5), notBefore: DateTime.UtcNow.AddHours(-1));
        using var validator = host.Validator();

        var check = await validator.ValidateAsync(token);

        Assert.False(check.IsValid);
        Assert.Equal("token expired", check.Failure);
        Assert.Null(check.Subject);
    }

    [Fact]
    public async Task A_real_token_with_a_short_lifetime_expires()
    {
        await using var host = await IdentityTestHost.StartAsync(options => options.AccessTokenLifetime = TimeSpan.FromSeconds(1));
        var account = await host.CreateAccountAsync();
        var token = (await host.PasswordGrantAsync(account)).AccessToken;
        using var validator = new AccessTokenValidator(new AccessTokenValidatorOptions { Issuer = host.Provider.Issuer, TrustAnchor = TestPki.Anchor, ClockSkew = TimeSpan.Zero, TimeProvider = host.Time });

        Assert.True((await validator.ValidateAsync(token)).IsValid);
        // The provider and the validator share the test's clock: a second later the token has expired.
        host.Time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal("token expired", (await validator.ValidateAsync(token)).Failure);
    }

    [Fact]
    public async Task A_forged_token_with_the_right_key_passes_so_the_checks_below_test_one_thing_each()
    {
        await using var host = await IdentityTestHost.StartAsync();
        using var key = await ProviderKeyAsync(host);
        using var validator = host.Validator();

        var check = await validator.ValidateAsync(Forge(key, host.Provider.Issuer.AbsoluteUri, IdentityProtocol.MailAudience));

        Assert.True(check.IsValid, check.Failure);
        Assert.Equal("810001234565", check.Subject);
        Assert.Equal("10001234565", check.Rpps);
    }

    [Fact]
    public async Task A_token_signed_by_another_key_is_refused()
    {
        await using var host = await IdentityTestHost.StartAsync();
        using var real = await ProviderKeyAsync(host);
        using var rsa = RSA.Create(2048);
        using var validator = host.Validator();

        // Same key id as the real key: the signature itself must fail.
        var sameKid = await validator.ValidateAsync(Forge(new RsaSecurityKey(rsa) { KeyId = real.Key.KeyId }, host.Provider.Issuer.AbsoluteUri, IdentityProtocol.MailAudience));
        var otherKid = await validator.ValidateAsync(Forge(new RsaSecurityKey(rsa) { KeyId = "someone-else" }, host.Provider.Issuer.AbsoluteUri, IdentityProtocol.MailAudience));

        Assert.False(sameKid.IsValid);
        Assert.Equal("bad signature", sameKid.Failure);
        Assert.False(otherKid.IsValid);
        Assert.Contains(otherKid.Failure, new[] { "bad signature", "unknown signing key" });
    }

    [Fact]
    public async Task A_token_for_another_audience_is_refused()
    {
        await using var host = await IdentityTestHost.StartAsync();
        using var key = await ProviderKeyAsync(host);
        var account = await host.CreateAccountAsync();
        var real = (await host.PasswordGrantAsync(account)).AccessToken;
        using var mail = host.Validator();
        using var other = host.Validator(audience: "openmss-directory");

        Assert.Equal("wrong audience", (await other.ValidateAsync(real)).Failure);
        Assert.Equal("wrong audience", (await mail.ValidateAsync(Forge(key, host.Provider.Issuer.AbsoluteUri, "openmss-directory"))).Failure);

        // Without the mail scope there is no mail audience.
        var profileOnly = (await host.PasswordGrantAsync(account, host.Code(account, +1), scope: "openid profile")).AccessToken;
        Assert.False((await mail.ValidateAsync(profileOnly)).IsValid);
    }

    [Fact]
    public async Task A_token_from_another_issuer_or_unsigned_is_refused()
    {
        await using var host = await IdentityTestHost.StartAsync();
        using var key = await ProviderKeyAsync(host);
        using var validator = host.Validator();

        Assert.Equal("wrong issuer", (await validator.ValidateAsync(Forge(key, "https://ailleurs.example/", IdentityProtocol.MailAudience))).Failure);

        var payload = Base64UrlEncoder.Encode(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["iss"] = host.Provider.Issuer.AbsoluteUri, ["aud"] = IdentityProtocol.MailAudience, ["sub"] = "810001234565",
            ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(),
        }));
        var unsigned = Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + payload + ".";
        Assert.False((await validator.ValidateAsync(unsigned)).IsValid);
        Assert.Equal("malformed token", (await validator.ValidateAsync("not a token")).Failure);
        Assert.Equal("malformed token", (await validator.ValidateAsync(new string('a', 20_000))).Failure);
    }

    [Fact]
    public async Task A_required_scope_is_enforced()
    {
        await using var host = await IdentityTestHost.StartAsync();
        var account = await host.CreateAccountAsync();
        var token = (await host.PasswordGrantAsync(account, scope: "openid mail")).AccessToken;
        using var needsMail = new AccessTokenValidator(new AccessTokenValidatorOptions { Issuer = host.Provider.Issuer, TrustAnchor = TestPki.Anchor, RequiredScope = "mail" });
        using var needsOther = new AccessTokenValidator(new AccessTokenValidatorOptions { Issuer = host.Provider.Issuer, TrustAnchor = TestPki.Anchor, RequiredScope = "directory" });

        Assert.True((await needsMail.ValidateAsync(token)).IsValid);
        Assert.Equal("missing scope", (await needsOther.ValidateAsync(token)).Failure);
    }

    [Fact]
    public async Task An_unreachable_issuer_gives_a_failure_not_an_exception()
    {
        using var validator = new AccessTokenValidator(new Uri("https://127.0.0.1:1/"));
        var token = Forge(new RsaSecurityKey(RSA.Create(2048)) { KeyId = "k" }, "https://127.0.0.1:1/", IdentityProtocol.MailAudience);

        var check = await validator.ValidateAsync(token);

        Assert.False(check.IsValid);
        Assert.Equal("issuer metadata unavailable", check.Failure);
    }

    [Fact]
    public void An_http_issuer_is_refused_on_loopback_too()
    {
        Assert.Throws<ArgumentException>(() => new AccessTokenValidator(new Uri("http://idp.example/")));
        Assert.Throws<ArgumentException>(() => new AccessTokenValidator(new Uri("http://127.0.0.1:9443/")));
        Assert.Throws<ArgumentException>(() => new AccessTokenValidator(new Uri("http://localhost:9443/")));
    }

    /// <summary>The provider's own signing key, read from its PEM file, with the key id it publishes.</summary>
    internal static async Task<ProviderKey> ProviderKeyAsync(IdentityTestHost host)
    {
        using var jwks = JsonDocument.Parse(await host.Http.GetStringAsync(".well-known/jwks"));
        var kid = jwks.RootElement.GetProperty("keys")[0].GetProperty("kid").GetString();
        var rsa = RSA.Create();
        rsa.ImportFromPem(await File.ReadAllTextAsync(host.Provider.SigningKeyPath));
        return new ProviderKey(rsa, new RsaSecurityKey(rsa) { KeyId = kid });
    }

    internal static string Forge(SecurityKey key, string issuer, string audience, DateTime? expires = null, DateTime? notBefore = null)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", "810001234565"), new Claim("rpps", "10001234565"), new Claim("name", "Dr Faux")]),
            NotBefore = notBefore ?? now.AddMinutes(-1),
            IssuedAt = notBefore ?? now.AddMinutes(-1),
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    internal sealed class ProviderKey(RSA rsa, RsaSecurityKey key) : IDisposable
    {
        public RsaSecurityKey Key { get; } = key;

        public static implicit operator SecurityKey(ProviderKey providerKey) => providerKey.Key;

        public void Dispose() => rsa.Dispose();
    }
}
