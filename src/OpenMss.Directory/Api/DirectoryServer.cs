using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenMss.Trust;
using OpenMss.Web.Hosting;

namespace OpenMss.Directory.Api;

/// <summary>
/// The national directory's HTTPS service (ANS directory guide, FHIR R4 annuaire): JSON search, FHIR R4 (<c>/fhir</c>), the whitelist
/// (<c>/whitelist.xml</c>), the routing table (<c>/api/routing</c>), the operators' publication API
/// (mutual TLS) and a French search page (<c>/</c>). One listener; a client certificate is asked for but
/// not required, since only publication needs one. Every error is an RFC 9457 problem (FHIR errors are
/// FHIR <c>OperationOutcome</c> resources, as FHIR clients expect); no stack trace is ever returned.
/// </summary>
public sealed class DirectoryServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly bool ownsStore;
    private int disposed;

    private DirectoryServer(WebApplication app, IDirectoryStore store, bool ownsStore, Uri baseUrl)
    {
        this.app = app;
        Store = store;
        this.ownsStore = ownsStore;
        BaseUrl = baseUrl;
    }

    /// <summary>The base URL (<c>https://host:port/</c>); the FHIR base is <c>{BaseUrl}fhir</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The FHIR R4 base URL.</summary>
    public Uri FhirBaseUrl => new(BaseUrl, "fhir");

    /// <summary>The whitelist URL.</summary>
    public Uri WhitelistUrl => new(BaseUrl, "whitelist.xml");

    /// <summary>The store the server reads and writes.</summary>
    public IDirectoryStore Store { get; }

    /// <summary>
    /// Registers (or updates) an operator of the trust space: its domains (whitelist, publication rights)
    /// and relay endpoint (routing table). For the demo and administrators; no public HTTP endpoint does this.
    /// </summary>
    public Task<OperatorRecord> RegisterOperatorAsync(string name, IReadOnlyList<string> domains, string? relayEndpoint, string? certificateThumbprint = null, CancellationToken cancellationToken = default) =>
        Store.RegisterOperatorAsync(name, domains, relayEndpoint, certificateThumbprint, cancellationToken);

    /// <summary>Opens the store (unless given), starts Kestrel and returns once it accepts connections.</summary>
    /// <exception cref="ArgumentException">A required option is missing.</exception>
    public static async Task<DirectoryServer> StartAsync(DirectoryServerOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var certificate = options.ServerCertificate ?? throw new ArgumentException("DirectoryServerOptions.ServerCertificate is required.", nameof(options));
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException("The directory's server certificate has no private key.", nameof(options));
        }

        var anchor = options.TrustAnchor ?? throw new ArgumentException("DirectoryServerOptions.TrustAnchor is required.", nameof(options));
        var ownsStore = options.Store is null;
        var store = options.Store ?? await DirectoryStoreFactory.OpenAsync(
            options.StoreOptions ?? throw new ArgumentException("Give DirectoryServerOptions.Store or StoreOptions.", nameof(options)),
            loggerFactory, options.TimeProvider, cancellationToken);
        try
        {
            var validator = new TrustValidator(anchor, options.Revocation, options.TimeProvider, logger: loggerFactory.CreateLogger<TrustValidator>());
            var app = Build(options, certificate, store, validator, loggerFactory);
            await app.StartAsync(cancellationToken);
            var port = BoundPort(app);
            var host = options.PublicHost ?? HostOf(options.Listen.Address);
            var baseUrl = new Uri(string.Create(CultureInfo.InvariantCulture, $"https://{host}:{port}/"));
            return new DirectoryServer(app, store, ownsStore, baseUrl);
        }
        catch
        {
            if (ownsStore)
            {
                await store.DisposeAsync();
            }

            throw;
        }
    }

    private static WebApplication Build(DirectoryServerOptions options, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, IDirectoryStore store, TrustValidator validator, ILoggerFactory loggerFactory)
    {
        var builder = OpenMssWebExtensions.CreateBuilder(typeof(DirectoryServer).Assembly.GetName().Name!);
        builder.AddOpenMssWeb(new OpenMssWebOptions
        {
            Listen = options.Listen,
            ServerCertificate = certificate,
            // A client certificate is asked for but not required: only publication needs one.
            ConfigureHttps = https =>
            {
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                // The handshake accepts any certificate; the publication endpoints decide with TrustValidator
                // and answer with a problem instead of a bare TLS failure.
                https.ClientCertificateValidation = static (_, _, _) => true;
            },
            Production = options.Production,
            LoggerFactory = loggerFactory,
            // The whitelist and routing table are fetched often; their endpoints set their own caching.
            CacheControl = null,
        });
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(validator);
        builder.Services.AddSingleton(options.TimeProvider);
        builder.Services.Configure<JsonOptions>(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            json.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
        });

        var app = builder.Build();
        app.UseOpenMssWeb();

        SearchEndpoints.Map(app);
        FhirEndpoints.Map(app);
        PublicationEndpoints.Map(app);
        SearchPage.Map(app);
        return app;
    }

    private static int BoundPort(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("Kestrel did not report its addresses.");
        var first = addresses.First();
        return new Uri(first.Replace("*", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal)).Port;
    }

    private static string HostOf(IPAddress address)
    {
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return "localhost";
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
    }

    /// <summary>Stops accepting requests, lets running ones finish (5 s at most), and closes the store if it opened it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await app.StopAsync(timeout.Token);
        }

        await app.DisposeAsync();
        if (ownsStore)
        {
            await Store.DisposeAsync();
        }
    }

    /// <summary>A French validation problem (400).</summary>
    internal static IResult BadRequest(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Requête invalide", detail: detail);

    /// <summary>A French "not found" problem (404).</summary>
    internal static IResult NotFound(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Introuvable", detail: detail);

    /// <summary>Reads an optional positive integer query value; null result with a French error when invalid.</summary>
    internal static bool TryPositive(string? text, int fallback, int max, string name, out int value, out IResult? error)
    {
        error = null;
        value = fallback;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) || value < 1 || value > max)
        {
            error = BadRequest($"Le paramètre « {name} » doit être un nombre entier entre 1 et {max.ToString(CultureInfo.InvariantCulture)}.");
            return false;
        }

        return true;
    }
}
