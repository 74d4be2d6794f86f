using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenMss.Identity.Tests.Support;
using OpenMss.Identity.Validation;

namespace OpenMss.Identity.Tests;

public sealed partial class AuthorizationCodeFlowTests
{
    [Fact]
    public async Task A_browser_signs_in_on_the_french_page_and_the_app_gets_tokens_with_pkce()
    {
        await using var host = await IdentityTestHost.StartAsync();
        var account = await host.CreateAccountAsync("Dr Paul Durand");
        using var browser = Browser(host);
        var (verifier, challenge) = Pkce();

        var authorize = AuthorizeUrl(challenge, state: "état-42");
        using var page = await browser.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Identifiant RPPS", html, StringComparison.Ordinal);
        Assert.Contains("Mot de passe", html, StringComparison.Ordinal);
        Assert.Contains("Code à usage unique (e-CPS)", html, StringComparison.Ordinal);
        Assert.Contains("Se connecter", html, StringComparison.Ordinal);
        Assert.Contains("Connexion à Espace pharmacie", html, StringComparison.Ordinal);

        // A wrong code: the same generic message, the form again.
        using var wrong = await PostFormAsync(browser, html, account.Rpps, account.Password, "000000");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var wrongHtml = await wrong.Content.ReadAsStringAsync();
        Assert.Contains("Identifiant, mot de passe ou code incorrect.", wrongHtml, StringComparison.Ordinal);
        Assert.DoesNotContain(account.Password, wrongHtml, StringComparison.Ordinal);

        using var signedIn = await PostFormAsync(browser, wrongHtml, account.Rpps, account.Password, host.Code(account));
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        var back = signedIn.Headers.Location!;
        Assert.StartsWith("/connect/authorize?", back.OriginalString, StringComparison.Ordinal);

        using var redirect = await browser.GetAsync(back);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        var callback = redirect.Headers.Location!;
        Assert.StartsWith(IdentityTestHost.WebRedirect.AbsoluteUri, callback.AbsoluteUri, StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(callback.Query);
        Assert.Equal("état-42", query["state"].ToString());
        var code = query["code"].ToString();
        Assert.False(string.IsNullOrEmpty(code));

        var tokens = await host.PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = IdentityTestHost.WebClient,
            ["code"] = code,
            ["redirect_uri"] = IdentityTestHost.WebRedirect.AbsoluteUri,
            ["code_verifier"] = verifier,
        });
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        using var validator = host.Validator();
        var check = await validator.ValidateAsync(tokens.AccessToken);
        Assert.True(check.IsValid, check.Failure);
        Assert.Equal(account.Subject, check.Subject);
        Assert.Equal("Dr Paul Durand", check.Name);
        var idToken = new JsonWebToken(tokens.Json.GetProperty("id_token").GetString()!);
        Assert.Equal(account.Subject, idToken.Subject);
        Assert.Equal(account.Rpps, idToken.GetPayloadValue<string>("rpps"));

        // UserInfo answers with the access token.
        using var userInfoRequest = new HttpRequestMessage(HttpMethod.Get, "connect/userinfo");
        userInfoRequest.Headers.Authorization = new("Bearer", tokens.AccessToken);
        using var userInfo = await host.Http.SendAsync(userInfoRequest);
        Assert.Equal(HttpStatusCode.OK, userInfo.StatusCode);
        using var claims = JsonDocument.Parse(await userInfo.Content.ReadAsStringAsync());
        Assert.Equal(account.Subject, claims.RootElement.GetProperty("sub").GetString());
        Assert.Equal("Dr Paul Durand", claims.RootElement.GetProperty("name").GetString());

        // The refresh token of the code flow works too.
        var refreshed = await host.PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = IdentityTestHost.WebClient,
            ["refresh_token"] = tokens.RefreshToken!,
        });
        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        Assert.True((await validator.ValidateAsync(refreshed.AccessToken)).IsValid);

        // The code is single-use; replaying it revokes what it gave (RFC 6749 §4.1.2), as UserInfo shows.
        var again = await host.PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = IdentityTestHost.WebClient,
            ["code"] = code,
            ["redirect_uri"] = IdentityTestHost.WebRedirect.AbsoluteUri,
            ["code_verifier"] = verifier,
        });
        Assert.Equal("invalid_grant", again.Error);

        using var revokedRequest = new HttpRequestMessage(HttpMethod.Get, "connect/userinfo");
        revokedRequest.Headers.Authorization = new("Bearer", tokens.AccessToken);
        using var revoked = await host.Http.SendAsync(revokedRequest);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);

        var audit = await host.Provider.Audit.QueryAsync(account.Subject);
        Assert.Contains(audit, a => a.Method == "signin_page" && a.Result == "failure" && a.Reason == "wrong_code" && a.ClientId == IdentityTestHost.WebClient);
        Assert.Contains(audit, a => a.Method == "signin_page" && a.Result == "success");
    }

    [Fact]
    public async Task A_signed_in_browser_gets_a_code_without_the_form_unless_prompt_login()
    {
        await using var host = await IdentityTestHost.StartAsync();
        var account = await host.CreateAccountAsync();
        using var browser = Browser(host);
        var (_, challenge) = Pkce();

        var html = await browser.GetStringAsync(AuthorizeUrl(challenge));
        using var signedIn = await PostFormAsync(browser, html, account.Rpps, account.Password, host.Code(account));
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);

        using var second = await browser.GetAsync(AuthorizeUrl(Pkce().Challenge));
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        Assert.Contains("code=", second.Headers.Location!.Query, StringComparison.Ordinal);

        using var forced = await browser.GetAsync(AuthorizeUrl(Pkce().Challenge) + "&prompt=login");
        Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
        Assert.Contains("Se connecter", await forced.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Signing out ends the browser session.
        using var logout = await browser.GetAsync("connect/logout");
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        using var afterLogout = await browser.GetAsync(AuthorizeUrl(Pkce().Challenge));
        Assert.Equal(HttpStatusCode.OK, afterLogout.StatusCode);
        Assert.Contains("Se connecter", await afterLogout.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A fresh browser with prompt=none is told to sign in.
        using var stranger = Browser(host);
        using var none = await stranger.GetAsync(AuthorizeUrl(Pkce().Challenge) + "&prompt=none");
        Assert.Equal(HttpStatusCode.Redirect, none.StatusCode);
        Assert.Contains("error=login_required", none.Headers.Location!.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_form_without_its_antiforgery_token_is_refused()
    {
        await using var host = await IdentityTestHost.StartAsync();
        var account = await host.CreateAccountAsync();
        using var browser = Browser(host);
        var html = await browser.GetStringAsync(AuthorizeUrl(Pkce().Challenge));
        var returnQuery = WebUtility.HtmlDecode(ReturnQueryField().Match(html).Groups[1].Value);

        using var response = await browser.PostAsync("connect/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["rpps"] = account.Rpps,
            ["password"] = account.Password,
            ["otp"] = host.Code(account),
            ["returnQuery"] = returnQuery,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Le formulaire a expiré", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await host.Provider.Audit.QueryAsync(account.Subject));
    }

    [Fact]
    public async Task Request_values_are_html_encoded_on_the_page()
    {
        await using var host = await IdentityTestHost.StartAsync();
        using var browser = Browser(host);
        var html = await browser.GetStringAsync(AuthorizeUrl(Pkce().Challenge, state: "\"><script>alert(1)</script>"));
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);

        // The identifier typed is shown again after a failure, encoded.
        using var failed = await PostFormAsync(browser, html, "\"><script>alert(2)</script>", "un-mot-de-passe", "123456");
        var page = await failed.Content.ReadAsStringAsync();

        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
        Assert.Contains("&quot;&gt;&lt;script&gt;alert(2)", page, StringComparison.Ordinal);
        Assert.Contains("Identifiant, mot de passe ou code incorrect.", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pkce_is_required()
    {
        await using var host = await IdentityTestHost.StartAsync();
        using var browser = Browser(host);

        using var response = await browser.GetAsync(
            $"connect/authorize?client_id={IdentityTestHost.WebClient}&redirect_uri={Uri.EscapeDataString(IdentityTestHost.WebRedirect.AbsoluteUri)}&response_type=code&scope=openid%20mail");

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Contains("code_challenge", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Se connecter", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unregistered_redirect_uri_is_not_followed()
    {
        await using var host = await IdentityTestHost.StartAsync();
        using var browser = Browser(host);

        using var response = await browser.GetAsync(
            $"connect/authorize?client_id={IdentityTestHost.WebClient}&redirect_uri={Uri.EscapeDataString("http://attacker.example/cb")}&response_type=code&scope=openid&code_challenge={Pkce().Challenge}&code_challenge_method=S256");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Cookie_protection_keys_and_the_account_database_stay_in_the_provider_folder_readable_by_its_owner_only()
    {
        var directory = Path.Combine(Path.GetTempPath(), "openmss-identity-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            string html;
            IPEndPoint endPoint;
            TestAccount account;
            using var browser = new HttpClient(IdentityTestHost.BrowserHandler());
            await using (var first = await IdentityTestHost.StartAsync(directory: directory))
            {
                account = await first.CreateAccountAsync();
                endPoint = first.Provider.EndPoint;
                browser.BaseAddress = first.Provider.Issuer;
                using var page = await browser.GetAsync(AuthorizeUrl(Pkce().Challenge));
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
                html = await page.Content.ReadAsStringAsync();

                // The DataProtection key ring (unencrypted XML) is in the provider's own folder, not under $HOME.
                var keys = Path.Combine(directory, "data-protection-keys");
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(keys));
                var files = System.IO.Directory.GetFiles(keys, "key-*.xml");
                Assert.NotEmpty(files);
                Assert.All(files, f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));

                // So is the database of password hashes and sealed TOTP secrets, with its WAL.
                Assert.All(System.IO.Directory.GetFiles(directory, "identity.db*"), f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
                Assert.Contains(Path.Combine(directory, "identity.db-wal"), System.IO.Directory.GetFiles(directory, "identity.db*"));
            }

            // After a restart the antiforgery token of the page shown before it is still accepted.
            await using var second = await IdentityTestHost.StartAsync(options => options.ListenEndPoint = endPoint, directory: directory);
            using var signedIn = await PostFormAsync(browser, html, account.Rpps, account.Password, second.Code(account));
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        }
        finally
        {
            IdentityTestHost.DeleteDirectory(directory);
        }
    }

    private static HttpClient Browser(IdentityTestHost host) =>
        new(IdentityTestHost.BrowserHandler())
        {
            BaseAddress = host.Provider.Issuer,
        };

    private static string AuthorizeUrl(string challenge, string state = "xyz") =>
        "connect/authorize?client_id=" + IdentityTestHost.WebClient
        + "&redirect_uri=" + Uri.EscapeDataString(IdentityTestHost.WebRedirect.AbsoluteUri)
        + "&response_type=code&scope=" + Uri.EscapeDataString("openid profile mail offline_access")
        + "&code_challenge=" + challenge + "&code_challenge_method=S256&state=" + Uri.EscapeDataString(state);

    private static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64UrlTextEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlTextEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        return (verifier, challenge);
    }

    private static Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string html, string rpps, string password, string code)
    {
        var token = WebUtility.HtmlDecode(AntiforgeryField().Match(html).Groups[1].Value);
        var returnQuery = WebUtility.HtmlDecode(ReturnQueryField().Match(html).Groups[1].Value);
        Assert.False(string.IsNullOrEmpty(token));
        Assert.False(string.IsNullOrEmpty(returnQuery));
        return browser.PostAsync("connect/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["returnQuery"] = returnQuery,
            ["rpps"] = rpps,
            ["password"] = password,
            ["otp"] = code,
        }));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]*)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("name=\"returnQuery\" value=\"([^\"]*)\"")]
    private static partial Regex ReturnQueryField();
}
