using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Web.Hosting;
using OpenMss.Web.Pages;

namespace OpenMss.Web.Tests;

/// <summary>What a browser and an HTTP client see of any site built on the web foundation.</summary>
public sealed class FoundationTests
{
    private static void Map(WebApplication app)
    {
        app.MapGet("/", () => FrenchLayout.Result(FrenchLayout.Render("Accueil", "Service de test", "Une page.", "<h1>Bonjour</h1><p>" + FrenchLayout.Encode("<script>") + "</p>")));
        app.MapGet("/panne", string () => throw new InvalidOperationException("secret interne: 279035121518989"));
    }

    [Fact]
    public async Task A_page_is_french_uses_the_local_style_sheet_and_carries_the_security_headers_and_hsts_in_production()
    {
        await using var site = await TestSite.StartAsync(Map, production: true);
        using var http = site.Client();

        using var page = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"fr\">", html, StringComparison.Ordinal);
        Assert.Contains($"<link rel=\"stylesheet\" href=\"{OpenMssWebExtensions.StyleSheet}\">", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("style-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.True(page.Headers.CacheControl?.NoStore);
        Assert.False(page.Headers.Contains("Server"));
        Assert.Equal("max-age=31536000; includeSubDomains", page.Headers.GetValues("Strict-Transport-Security").Single());

        using var css = await http.GetAsync(OpenMssWebExtensions.StyleSheet);
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.Contains("header{background:#000091", await css.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(css.Headers.CacheControl?.Public);
    }

    [Fact]
    public async Task Outside_production_no_hsts_is_sent_so_a_browser_does_not_pin_localhost()
    {
        await using var site = await TestSite.StartAsync(Map, production: false);
        using var http = site.Client();
        using var page = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.False(page.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Every_error_is_a_problem_document_without_the_exception()
    {
        await using var site = await TestSite.StartAsync(Map);
        using var http = site.Client();

        using var failure = await http.GetAsync("/panne");
        Assert.Equal(HttpStatusCode.InternalServerError, failure.StatusCode);
        Assert.Equal("application/problem+json", failure.Content.Headers.ContentType?.MediaType);
        var body = await failure.Content.ReadAsStringAsync();
        Assert.DoesNotContain("279035121518989", body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.Equal(500, JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32());

        using var missing = await http.GetAsync("/introuvable");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);

        using var tooLarge = await http.PostAsync("/", new ByteArrayContent(new byte[200 * 1024]));
        Assert.True(tooLarge.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode.ToString());
        Assert.Equal("application/problem+json", tooLarge.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_authority_cannot_connect()
    {
        await using var site = await TestSite.StartAsync(Map);
        using var foreign = new HttpClient(OpenMss.Identity.Validation.TrustAnchorHandler.Create(OpenMss.Testing.TestPki.ForeignAuthority.PublicCertificate)) { BaseAddress = site.Url };
        await Assert.ThrowsAsync<HttpRequestException>(() => foreign.GetAsync("/"));
    }

    [Fact]
    public void Plain_http_is_refused_on_any_address_but_loopback()
    {
        var builder = OpenMssWebExtensions.CreateBuilder("OpenMss.Web.Tests");
        var error = Assert.Throws<ArgumentException>(() => builder.AddOpenMssWeb(new OpenMssWebOptions
        {
            Listen = new IPEndPoint(IPAddress.Any, 0),
            LoggerFactory = NullLoggerFactory.Instance,
        }));
        Assert.Contains("loopback", error.Message, StringComparison.Ordinal);
    }
}
