using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OpenMss.Core.Identifiers;
using OpenMss.Identity;
using OpenMss.Identity.Accounts;
using OpenMss.Testing;
using OpenMss.Web.Hosting;
using OpenMss.Web.Pages;
using OpenMss.Web.SignIn;

namespace OpenMss.Web.Tests;

/// <summary>
/// A web app on the foundation signs a professional in against the real identity provider, both
/// over HTTPS with certificates from the test authority: code flow with PKCE, then a cookie session.
/// </summary>
public sealed partial class SignInTests : IAsyncLifetime
{
    private const string ClientId = "espace-test";
    private readonly DirectoryInfo _folder = System.IO.Directory.CreateTempSubdirectory("openmss-web-signin-");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly int _appPort = TestSite.FreePort();
    private IdentityProvider _provider = null!;

    private Uri AppUrl => new($"https://localhost:{_appPort}/");

    public async Task InitializeAsync()
    {
        _provider = await IdentityProvider.StartAsync(new IdentityProviderOptions
        {
            DataDirectory = _folder.FullName,
            ServerCertificate = TestSite.Certificate.Value,
            PublicHostName = "localhost",
            TimeProvider = _time,
            Clients =
            [
                new IdentityClient { ClientId = ClientId, DisplayName = "Espace de test", RedirectUris = [new Uri(AppUrl, "signin-oidc")] },
            ],
        }, NullLoggerFactory.Instance);
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    private Task<TestSite> StartAppAsync(System.Security.Cryptography.X509Certificates.X509Certificate2 trustAnchor) =>
        TestSite.StartAsync(
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapGet("/espace", [Authorize] (HttpContext http) =>
                    FrenchLayout.Result(FrenchLayout.Render("Espace", "Espace de test", null, "<h1>Bonjour " + FrenchLayout.Encode(http.User.Identity?.Name) + "</h1>")));
            },
            port: _appPort,
            dataProtectionKeys: Path.Combine(_folder.FullName, "app-keys"),
            configure: builder => builder.AddOpenMssSignIn(new OpenMssSignInOptions
            {
                Authority = _provider.Issuer,
                TrustAnchor = trustAnchor,
                ClientId = ClientId,
            }));

    [Fact]
    public async Task An_unauthenticated_visitor_is_sent_to_the_provider_with_pkce_and_comes_back_signed_in()
    {
        Assert.Equal("https", _provider.Issuer.Scheme);
        var rpps = NewRpps();
        var enrollment = await _provider.CreateOrUpdateAccountAsync(rpps, "Dr Hélène Dupont", "Mot-de-passe-solide-42");
        await using var app = await StartAppAsync(TestPki.Anchor);

        // The challenge: a redirect to the provider's authorization endpoint, code flow, PKCE S256.
        using (var direct = app.Client())
        {
            using var challenge = await direct.GetAsync("/espace");
            Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
            var location = challenge.Headers.Location!;
            Assert.StartsWith(_provider.AuthorizationEndpoint.AbsoluteUri, location.AbsoluteUri, StringComparison.Ordinal);
            var query = QueryHelpers.ParseQuery(location.Query);
            Assert.Equal("code", query["response_type"].ToString());
            Assert.Equal("S256", query["code_challenge_method"].ToString());
            Assert.False(string.IsNullOrEmpty(query["code_challenge"].ToString()));
            Assert.Equal(new Uri(AppUrl, "signin-oidc").AbsoluteUri, query["redirect_uri"].ToString());
            var cookies = challenge.Headers.GetValues("Set-Cookie").ToList();
            Assert.NotEmpty(cookies);
            Assert.All(cookies, c =>
            {
                Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase);
                Assert.Contains("httponly", c, StringComparison.OrdinalIgnoreCase);
                Assert.Contains("samesite=lax", c, StringComparison.OrdinalIgnoreCase);
            });
        }

        // A browser: follows the redirects, fills in the French sign-in form, lands on the page.
        var jar = new CookieContainer();
        using var browser = app.Client(followRedirects: true, cookies: jar);
        using var form = await browser.GetAsync("/espace");
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Equal(_provider.Issuer.Authority, form.RequestMessage!.RequestUri!.Authority);
        var html = await form.Content.ReadAsStringAsync();
        Assert.Contains("Connexion à Espace de test", html, StringComparison.Ordinal);

        using var signedIn = await browser.PostAsync(new Uri(_provider.Issuer, "connect/signin"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(AntiforgeryField().Match(html).Groups[1].Value),
            ["returnQuery"] = WebUtility.HtmlDecode(ReturnQueryField().Match(html).Groups[1].Value),
            ["rpps"] = rpps,
            ["password"] = "Mot-de-passe-solide-42",
            ["otp"] = OneTimeCodes.Compute(enrollment.SecretBase32, _time.GetUtcNow()),
        }));
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Equal(new Uri(AppUrl, "espace"), signedIn.RequestMessage!.RequestUri);
        Assert.Contains("<h1>Bonjour Dr Hélène Dupont</h1>", await signedIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var session = jar.GetCookies(AppUrl).Single(c => c.Name == "openmss_session");
        Assert.True(session.Secure);
        Assert.True(session.HttpOnly);

        // The session is the cookie: another visit goes straight to the page.
        using var again = await browser.GetAsync("/espace");
        Assert.Equal(new Uri(AppUrl, "espace"), again.RequestMessage!.RequestUri);

        // The keys protecting that cookie are in the app's own folder, which only its owner may enter.
        var keys = Path.Combine(_folder.FullName, "app-keys");
        Assert.NotEmpty(System.IO.Directory.GetFiles(keys, "key-*.xml"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(keys));
    }

    [Fact]
    public void Sign_in_is_refused_without_a_key_ring_folder_of_its_own()
    {
        var builder = OpenMssWebExtensions.CreateBuilder("OpenMss.Web.Tests");
        builder.AddOpenMssWeb(new OpenMssWebOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            ServerCertificate = TestSite.Certificate.Value,
            LoggerFactory = NullLoggerFactory.Instance,
        });
        Assert.Throws<InvalidOperationException>(() => builder.AddOpenMssSignIn(new OpenMssSignInOptions
        {
            Authority = _provider.Issuer,
            TrustAnchor = TestPki.Anchor,
            ClientId = ClientId,
        }));
    }

    [Fact]
    public async Task An_app_that_does_not_trust_the_providers_authority_signs_nobody_in()
    {
        await using var app = await StartAppAsync(TestPki.ForeignAuthority.PublicCertificate);
        using var direct = app.Client();

        // The discovery document cannot be fetched over a connection the app does not trust.
        using var challenge = await direct.GetAsync("/espace");
        Assert.Equal(HttpStatusCode.InternalServerError, challenge.StatusCode);
        Assert.Equal("application/problem+json", challenge.Content.Headers.ContentType?.MediaType);
        Assert.Null(challenge.Headers.Location);
    }

    private static string NewRpps()
    {
        var payload = "10" + Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return payload + Luhn.ComputeCheckDigit(payload);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]*)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("name=\"returnQuery\" value=\"([^\"]*)\"")]
    private static partial Regex ReturnQueryField();
}
