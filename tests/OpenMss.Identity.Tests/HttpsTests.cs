using System.Net;
using OpenMss.Identity.Tests.Support;
using OpenMss.Identity.Validation;
using OpenMss.Testing;

namespace OpenMss.Identity.Tests;

public sealed class HttpsTests
{
    [Fact]
    public async Task Over_https_with_a_trust_space_certificate_tokens_are_issued_and_validated()
    {
        var credential = TestPki.Authority.IssueOperatorCertificate("Identité OpenMSS", ["localhost"]);
        await using var host = await IdentityTestHost.StartAsync(options =>
        {
            options.ServerCertificate = credential.Certificate;
            options.PublicHostName = "localhost";
        });
        Assert.Equal("https", host.Provider.Issuer.Scheme);
        Assert.Equal("localhost", host.Provider.Issuer.Host);
        var account = await host.CreateAccountAsync();

        using var client = new HttpClient(TrustAnchorHandler.Create(TestPki.Anchor)) { BaseAddress = host.Provider.Issuer };
        using var response = await client.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = IdentityTestHost.MailClient,
            ["username"] = account.Rpps,
            ["password"] = account.Password,
            ["otp"] = host.Code(account),
            ["scope"] = "openid mail",
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var token = json.RootElement.GetProperty("access_token").GetString()!;

        using var trusting = new AccessTokenValidator(new AccessTokenValidatorOptions { Issuer = host.Provider.Issuer, TrustAnchor = TestPki.Anchor });
        var check = await trusting.ValidateAsync(token);
        Assert.True(check.IsValid, check.Failure);
        Assert.Equal(account.Subject, check.Subject);

        // Without the trust anchor the provider's certificate is not trusted: no keys, no validation.
        using var untrusting = new AccessTokenValidator(host.Provider.Issuer);
        Assert.Equal("issuer metadata unavailable", (await untrusting.ValidateAsync(token)).Failure);
    }

    [Fact]
    public async Task A_certificate_from_another_authority_is_not_trusted()
    {
        var foreign = TestPki.ForeignAuthority.IssueOperatorCertificate("Faux", ["localhost"]);
        await using var host = await IdentityTestHost.StartAsync(options =>
        {
            options.ServerCertificate = foreign.Certificate;
            options.PublicHostName = "localhost";
        });
        using var client = new HttpClient(TrustAnchorHandler.Create(TestPki.Anchor)) { BaseAddress = host.Provider.Issuer };

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(".well-known/openid-configuration"));
    }
}
