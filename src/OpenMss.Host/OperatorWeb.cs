using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenMss.Queue.Delivery;
using OpenMss.Trust;
using OpenMss.Web.Hosting;
using OpenTelemetry.Metrics;

namespace OpenMss.Host;

/// <summary>
/// An operator node's HTTPS endpoint, on the shared web foundation: <c>/health</c>, <c>/metrics</c>
/// (Prometheus) and mail client autoconfiguration (Thunderbird's <c>config-v1.1.xml</c>) for the
/// operator's domains. Its certificate comes from the trust authority (<c>web.certificate</c>, or the
/// operator certificate).
/// </summary>
internal sealed class OperatorWeb : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OperatorWeb(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The endpoint's base URL (<c>https://{web.publicHost or the listen address}:{port}/</c>).</summary>
    public Uri Url { get; }

    /// <summary>Starts listening; returns once the endpoint accepts connections.</summary>
    public static async Task<OperatorWeb> StartAsync(OperatorNode node, X509Certificate2 operatorCertificate, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        var config = node.Config;
        var certificate = string.IsNullOrWhiteSpace(config.Web.Certificate)
            ? operatorCertificate
            : IssuedCertificate.LoadWithKey(config.Web.Certificate, config.Web.Key!);
        var listen = OperatorNode.ParseEndPoint(config.Web.Listen);
        var builder = OpenMssWebExtensions.CreateBuilder(typeof(OperatorWeb).Assembly.GetName().Name!);
        // The framework logs request URLs at Information (autoconfig's ?emailaddress= is a mailbox
        // address, a patient's one carries the INS): the shared bridge keeps it at Warning.
        builder.AddOpenMssWeb(new OpenMssWebOptions
        {
            Listen = listen,
            ServerCertificate = certificate,
            Production = config.Web.Production,
            LoggerFactory = loggerFactory,
        });
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, EmbeddedHostLifetime>();
        builder.Services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(OpenMss.Smtp.Inbound.SmtpMetrics.MeterName, DeliveryMetrics.MeterName)
            .AddPrometheusExporter());

        var app = builder.Build();
        app.UseOpenMssWeb();
        app.MapGet("/health", async (CancellationToken ct) =>
        {
            var depth = await node.Store.CountQueueAsync(ct);
            return Results.Json(new { status = "ok", @operator = config.Name, domains = config.Domains, queueDepth = depth });
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/.well-known/autoconfig/mail/config-v1.1.xml", (string? emailaddress) => Autoconfigure(node, emailaddress));
        app.MapGet("/mail/config-v1.1.xml", (string? emailaddress) => Autoconfigure(node, emailaddress));

        try
        {
            await app.StartAsync(cancellationToken);
            var port = new Uri(app.Urls.First()).Port;
            var host = config.Web.PublicHost ?? (listen.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{listen.Address}]" : listen.Address.ToString());
            return new OperatorWeb(app, new Uri(string.Create(CultureInfo.InvariantCulture, $"https://{host}:{port}/")));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Mail client autoconfiguration (Thunderbird's clientConfig), for the operator's domains.</summary>
    private static IResult Autoconfigure(OperatorNode node, string? emailAddress)
    {
        var config = node.Config;
        var at = emailAddress?.LastIndexOf('@') ?? -1;
        var domain = at > 0 ? emailAddress![(at + 1)..].ToLowerInvariant() : null;
        if (domain is null || !config.Domains.Contains(domain, StringComparer.OrdinalIgnoreCase))
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Domaine inconnu",
                detail: "Cette adresse n'est pas hébergée par cet opérateur.");
        }

        var incoming = new List<Autoconfig.Server>();
        foreach (var (endPoint, socket) in node.ImapEndPoints())
        {
            incoming.Add(new Autoconfig.Server("imap", Autoconfig.HostFor(endPoint, config.HostName), endPoint.Port, socket));
        }

        var outgoing = new List<Autoconfig.Server>();
        if (node.SubmissionTlsEndPoint is { } tls)
        {
            outgoing.Add(new Autoconfig.Server("smtp", Autoconfig.HostFor(tls, config.HostName), tls.Port, "SSL"));
        }

        if (node.SubmissionEndPoint is { } starttls)
        {
            outgoing.Add(new Autoconfig.Server("smtp", Autoconfig.HostFor(starttls, config.HostName), starttls.Port, "STARTTLS"));
        }

        var document = Autoconfig.Build(domain, config.Name, incoming, outgoing, config.Submission?.AllowPasswords == true);
        return Results.Text(document.Declaration + "\n" + document.Root, "application/xml", System.Text.Encoding.UTF8);
    }

    /// <summary>Stops accepting requests and lets running ones finish.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
