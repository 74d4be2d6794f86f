using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Testing;
using OpenMss.Web.Hosting;

namespace OpenMss.Web.Tests;

/// <summary>A small site on the web foundation, over HTTPS on localhost with a certificate from the test authority.</summary>
internal sealed class TestSite : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestSite(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>A client that trusts the test authority only and keeps redirects and cookies to itself.</summary>
    public HttpClient Client(bool followRedirects = false, CookieContainer? cookies = null)
    {
        var handler = (SocketsHttpHandler)OpenMss.Identity.Validation.TrustAnchorHandler.Create(TestPki.Anchor);
        handler.AllowAutoRedirect = followRedirects;
        handler.UseCookies = cookies is not null;
        if (cookies is not null)
        {
            handler.CookieContainer = cookies;
        }

        return new HttpClient(handler) { BaseAddress = Url };
    }

    public static async Task<TestSite> StartAsync(
        Action<WebApplication> map,
        bool production = true,
        int port = 0,
        Action<WebApplicationBuilder>? configure = null,
        string? dataProtectionKeys = null)
    {
        var builder = OpenMssWebExtensions.CreateBuilder("OpenMss.Web.Tests");
        builder.AddOpenMssWeb(new OpenMssWebOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, port),
            ServerCertificate = Certificate.Value,
            Production = production,
            LoggerFactory = NullLoggerFactory.Instance,
            DataProtectionKeysDirectory = dataProtectionKeys,
        });
        configure?.Invoke(builder);
        var app = builder.Build();
        app.UseOpenMssWeb();
        map(app);
        await app.StartAsync();
        return new TestSite(app, new Uri($"https://localhost:{new Uri(app.Urls.First()).Port}/"));
    }

    /// <summary>A free loopback port, for a site whose URL must be known before it starts (a redirect URI).</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static readonly Lazy<System.Security.Cryptography.X509Certificates.X509Certificate2> Certificate =
        new(() => TestPki.Authority.IssueOperatorCertificate("Site de test", ["localhost"]).Certificate);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
