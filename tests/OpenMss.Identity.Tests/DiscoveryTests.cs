using System.Net;
using System.Text.Json;
using OpenMss.Identity.Tests.Support;

namespace OpenMss.Identity.Tests;

public sealed class DiscoveryTests
{
    [Fact]
    public async Task Discovery_document_and_jwks_are_served_at_the_standard_paths()
    {
        await using var host = await IdentityTestHost.StartAsync();

        using var discoveryResponse = await host.Http.GetAsync(".well-known/openid-configuration");
        Assert.Equal(HttpStatusCode.OK, discoveryResponse.StatusCode);
        using var discovery = JsonDocument.Parse(await discoveryResponse.Content.ReadAsStringAsync());
        var root = discovery.RootElement;

        Assert.Equal(host.Provider.Issuer.AbsoluteUri, root.GetProperty("issuer").GetString());
        Assert.StartsWith("https://localhost:", root.GetProperty("issuer").GetString(), StringComparison.Ordinal);
        Assert.Equal(new Uri(host.Provider.Issuer, "connect/token").AbsoluteUri, root.GetProperty("token_endpoint").GetString());
        Assert.Equal(new Uri(host.Provider.Issuer, "connect/authorize").AbsoluteUri, root.GetProperty("authorization_endpoint").GetString());
        var grants = root.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("authorization_code", grants);
        Assert.Contains("refresh_token", grants);
        Assert.Contains("password", grants);
        Assert.Contains("client_credentials", grants);
        var scopes = root.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("mail", scopes);
        Assert.Contains("openid", scopes);
        Assert.Contains("offline_access", scopes);
        Assert.Contains("S256", root.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));

        var jwksUri = new Uri(root.GetProperty("jwks_uri").GetString()!);
        using var jwksResponse = await host.Http.GetAsync(jwksUri);
        Assert.Equal(HttpStatusCode.OK, jwksResponse.StatusCode);
        using var jwks = JsonDocument.Parse(await jwksResponse.Content.ReadAsStringAsync());
        var key = Assert.Single(jwks.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.False(string.IsNullOrEmpty(key.GetProperty("kid").GetString()));
        Assert.True(key.TryGetProperty("n", out _));
        // Only the public half is published.
        Assert.False(key.TryGetProperty("d", out _));
        Assert.False(key.TryGetProperty("p", out _));
    }

    [Fact]
    public async Task Without_a_server_certificate_the_provider_does_not_start_not_even_on_loopback()
    {
        var directory = Path.Combine(Path.GetTempPath(), "openmss-identity-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            foreach (var address in new[] { IPAddress.Any, IPAddress.Loopback })
            {
                var error = await Assert.ThrowsAsync<InvalidOperationException>(() => IdentityProvider.StartAsync(
                    new IdentityProviderOptions { DataDirectory = directory, ListenEndPoint = new IPEndPoint(address, 0) },
                    Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));
                Assert.Contains("HTTPS only", error.Message, StringComparison.Ordinal);
            }

            // Nor with an http:// issuer beside a certificate.
            var http = await Assert.ThrowsAsync<InvalidOperationException>(() => IdentityProvider.StartAsync(
                new IdentityProviderOptions { DataDirectory = directory, ServerCertificate = IdentityTestHost.ServerCertificate, Issuer = new Uri("http://localhost:9/") },
                Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));
            Assert.Contains("https", http.Message, StringComparison.Ordinal);
        }
        finally
        {
            IdentityTestHost.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task Home_and_health_pages_answer()
    {
        await using var host = await IdentityTestHost.StartAsync();
        Assert.Equal("ok", await host.Http.GetStringAsync("health"));
        var home = await host.Http.GetStringAsync("/");
        Assert.Contains("lang=\"fr\"", home, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_outside_the_protocol_get_rfc9457_problem_details_and_oauth_errors_keep_their_shape()
    {
        await using var host = await IdentityTestHost.StartAsync();
        using var missing = await host.Http.GetAsync("nope");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);

        using var wrongMethod = await host.Http.DeleteAsync("health");
        Assert.Equal(System.Net.HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Equal("application/problem+json", wrongMethod.Content.Headers.ContentType?.MediaType);

        var oauth = await host.PostTokenAsync(new Dictionary<string, string> { ["grant_type"] = "password", ["client_id"] = "unknown-client" });
        Assert.NotEqual(System.Net.HttpStatusCode.OK, oauth.Status);
        Assert.False(string.IsNullOrEmpty(oauth.Error));
    }
}
