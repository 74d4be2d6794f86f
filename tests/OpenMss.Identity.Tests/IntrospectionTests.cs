using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpenMss.Identity.Tests.Support;
using OpenMss.Identity.Validation;
using OpenMss.Testing;

namespace OpenMss.Identity.Tests;

/// <summary>Token introspection (RFC 7662): a disabled or deleted account's tokens stop working for mail access.</summary>
public sealed class IntrospectionTests
{
    private const string MailServer = "imap-server";
    private const string MailServerSecret = "imap-server-secret-0123456789";

    [Fact]
    public async Task A_disabled_account_token_is_refused_by_the_validator_within_its_cache_time()
    {
        await using var host = await StartHttpsAsync();
        var account = await host.CreateAccountAsync();
        var reply = await host.PasswordGrantAsync(account);
        var token = reply.AccessToken;
        using var validator = Introspecting(host, TimeSpan.FromSeconds(1));
        using var localOnly = new AccessTokenValidator(new AccessTokenValidatorOptions { Issuer = host.Provider.Issuer, TrustAnchor = TestPki.Anchor, TimeProvider = host.Time });

        var before = await validator.ValidateAsync(token);
        Assert.True(before.IsValid, before.Failure);
        Assert.Equal(account.Subject, before.Subject);

        Assert.True(await host.Provider.Accounts.SetEnabledAsync(account.Rpps, enabled: false));
        Assert.False((await host.Provider.Accounts.FindAsync(account.Rpps))!.IsEnabled);

        // The issuer says inactive at once (a validator with no cached answer refuses immediately)…
        using (var fresh = Introspecting(host, TimeSpan.FromSeconds(30)))
        {
            Assert.Equal("token inactive", (await fresh.ValidateAsync(token)).Failure);
        }

        // …and a validator that had just asked refuses once its cache time is over, while the
        // signature alone would still accept the token for the rest of the hour.
        host.Time.Advance(TimeSpan.FromSeconds(1.2));
        var after = await validator.ValidateAsync(token);
        Assert.False(after.IsValid);
        Assert.Equal("token inactive", after.Failure);
        Assert.Null(after.Subject);
        Assert.True((await localOnly.ValidateAsync(token)).IsValid);

        // No new tokens either: refresh and sign-in fail, the audit says why.
        var refreshed = await host.PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = IdentityTestHost.MailClient,
            ["refresh_token"] = reply.RefreshToken!,
        });
        Assert.Equal("invalid_grant", refreshed.Error);
        var signIn = await host.PasswordGrantAsync(account, host.Code(account, +1));
        Assert.Equal("invalid_grant", signIn.Error);
        Assert.Contains(await host.Provider.Audit.QueryAsync(account.Subject), a => a.Reason == "account_disabled");
        Assert.Null(await host.Provider.VerifyPasswordAsync(account.Rpps, account.Password));

        // Enabled again: new sign-ins work.
        Assert.True(await host.Provider.Accounts.SetEnabledAsync(account.Rpps, enabled: true));
        host.Time.Advance(TimeSpan.FromSeconds(60));
        var again = await host.PasswordGrantAsync(account);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.True((await validator.ValidateAsync(again.AccessToken)).IsValid);
    }

    [Fact]
    public async Task A_deleted_account_token_is_inactive_and_another_account_is_not_affected()
    {
        await using var host = await StartHttpsAsync();
        var leaving = await host.CreateAccountAsync();
        var staying = await host.CreateAccountAsync("Dr Louis Pasteur");
        var leavingToken = (await host.PasswordGrantAsync(leaving)).AccessToken;
        var stayingToken = (await host.PasswordGrantAsync(staying)).AccessToken;

        Assert.True(await host.Provider.Accounts.DeleteAsync(leaving.Rpps));

        using var validator = Introspecting(host, TimeSpan.FromSeconds(30));
        Assert.Equal("token inactive", (await validator.ValidateAsync(leavingToken)).Failure);
        var check = await validator.ValidateAsync(stayingToken);
        Assert.True(check.IsValid, check.Failure);
        Assert.Equal("Dr Louis Pasteur", check.Name);
    }

    [Fact]
    public async Task Only_registered_resource_servers_may_introspect_and_a_failed_introspection_refuses_the_token()
    {
        await using var host = await StartHttpsAsync();
        var account = await host.CreateAccountAsync();
        var token = (await host.PasswordGrantAsync(account)).AccessToken;

        using var discovery = JsonDocument.Parse(await host.Http.GetStringAsync(".well-known/openid-configuration"));
        Assert.Equal(host.Provider.IntrospectionEndpoint.AbsoluteUri, discovery.RootElement.GetProperty("introspection_endpoint").GetString());

        Assert.True(await IntrospectAsync(host, MailServer, MailServerSecret, token));

        // A confidential client without the permission, a wrong secret, no authentication: no answer about the token.
        using (var response = await PostIntrospectionAsync(host, IdentityTestHost.ServiceClient, IdentityTestHost.ServiceSecret, token))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.DoesNotContain(account.Subject, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var response = await PostIntrospectionAsync(host, MailServer, "mauvais-secret", token))
        {
            Assert.False(response.IsSuccessStatusCode);
        }

        using (var response = await host.Http.PostAsync("connect/introspect", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token })))
        {
            Assert.False(response.IsSuccessStatusCode);
        }

        // The validator fails closed when the issuer does not confirm the token.
        using var wrongSecret = new AccessTokenValidator(new AccessTokenValidatorOptions
        {
            Issuer = host.Provider.Issuer,
            TrustAnchor = TestPki.Anchor,
            IntrospectionClientId = MailServer,
            IntrospectionClientSecret = "mauvais-secret",
        });
        Assert.Equal("introspection unavailable", (await wrongSecret.ValidateAsync(token)).Failure);

        Assert.Throws<ArgumentException>(() => new AccessTokenValidator(new AccessTokenValidatorOptions { Issuer = host.Provider.Issuer, IntrospectionClientId = MailServer }));
        Assert.Throws<ArgumentException>(() => new AccessTokenValidator(new AccessTokenValidatorOptions
        {
            Issuer = host.Provider.Issuer, IntrospectionClientId = MailServer, IntrospectionClientSecret = "x", IntrospectionCacheDuration = TimeSpan.FromHours(1),
        }));
    }

    [Fact]
    public async Task An_introspecting_client_needs_a_secret()
    {
        var directory = Path.Combine(Path.GetTempPath(), "openmss-identity-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() => IdentityTestHost.StartAsync(
                options => options.Clients.Add(new IdentityClient { ClientId = "imap-public", AllowIntrospection = true }), directory));
            Assert.Contains("secret", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            IdentityTestHost.DeleteDirectory(directory);
        }
    }

    internal static Task<IdentityTestHost> StartHttpsAsync(Action<IdentityProviderOptions>? configure = null)
    {
        var credential = TestPki.Authority.IssueOperatorCertificate("Identité OpenMSS", ["localhost"]);
        return IdentityTestHost.StartAsync(options =>
        {
            options.ServerCertificate = credential.Certificate;
            options.PublicHostName = "localhost";
            options.Clients.Add(new IdentityClient { ClientId = MailServer, ClientSecret = MailServerSecret, AllowIntrospection = true });
            configure?.Invoke(options);
        });
    }

    internal static AccessTokenValidator Introspecting(IdentityTestHost host, TimeSpan cacheDuration, Microsoft.Extensions.Logging.ILogger<AccessTokenValidator>? logger = null) =>
        new(new AccessTokenValidatorOptions
        {
            Issuer = host.Provider.Issuer,
            TrustAnchor = TestPki.Anchor,
            IntrospectionClientId = MailServer,
            IntrospectionClientSecret = MailServerSecret,
            IntrospectionCacheDuration = cacheDuration,
            TimeProvider = host.Time,
        }, logger);

    internal static string MailServerCredentials => MailServerSecret;

    private static async Task<bool> IntrospectAsync(IdentityTestHost host, string clientId, string secret, string token)
    {
        using var response = await PostIntrospectionAsync(host, clientId, secret, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("active").GetBoolean();
    }

    private static Task<HttpResponseMessage> PostIntrospectionAsync(IdentityTestHost host, string clientId, string secret, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "connect/introspect")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token, ["token_type_hint"] = "access_token" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(clientId + ":" + secret)));
        return host.Http.SendAsync(request);
    }
}
