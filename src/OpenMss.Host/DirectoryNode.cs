using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using OpenMss.Directory;
using OpenMss.Directory.Api;
using OpenMss.Host.Configuration;
using OpenMss.Trust;

namespace OpenMss.Host;

/// <summary>
/// The national directory run from its configuration file (<see cref="DirectoryServiceConfig"/>):
/// what <c>openmss serve</c> starts for <c>"service": "directory"</c>, and what the demo starts too.
/// Owns the <see cref="DirectoryServer"/> and the CRL source it checks operators' certificates against.
/// </summary>
public sealed class DirectoryNode : IAsyncDisposable
{
    private readonly RevocationListSource? _crl;

    private DirectoryNode(DirectoryServer server, RevocationListSource? crl)
    {
        Server = server;
        _crl = crl;
    }

    /// <summary>The running directory (its URLs, its store).</summary>
    public DirectoryServer Server { get; }

    /// <summary>Opens the store, starts the HTTPS listener and registers the configured operators.</summary>
    /// <exception cref="ConfigurationException">A file the configuration names cannot be used.</exception>
    public static async Task<DirectoryNode> StartAsync(DirectoryServiceConfig config, ILoggerFactory loggerFactory, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var certificate = IssuedCertificate.LoadWithKey(config.Tls.Certificate!, config.Tls.Key!);
        var anchor = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(config.Tls.TrustAnchor!, cancellationToken).ConfigureAwait(false));
        RevocationListSource? crl = null;
        if (!string.IsNullOrEmpty(config.Tls.Crl))
        {
            crl = new RevocationListSource(config.Tls.Crl, anchor, config.Tls.CrlRefresh, loggerFactory.CreateLogger<RevocationListSource>(), timeProvider);
            if (!await crl.StartAsync(cancellationToken).ConfigureAwait(false))
            {
                crl.Dispose();
                throw new ConfigurationException($"'tls.crl': could not load a valid CRL from {config.Tls.Crl}.");
            }
        }

        DirectoryServer server;
        try
        {
            server = await DirectoryServer.StartAsync(
                new DirectoryServerOptions
                {
                    Listen = OperatorNode.ParseEndPoint(config.Listen),
                    StoreOptions = new DirectoryStoreOptions { Provider = config.Storage.Provider, ConnectionString = config.Storage.ConnectionString },
                    ServerCertificate = certificate,
                    TrustAnchor = anchor,
                    Revocation = crl,
                    PublicHost = config.PublicHost,
                    Production = config.Production,
                },
                loggerFactory,
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            crl?.Dispose();
            throw;
        }

        var node = new DirectoryNode(server, crl);
        try
        {
            foreach (var op in config.Operators)
            {
                await server.RegisterOperatorAsync(op.Name, op.Domains, op.Relay, op.CertificateThumbprint, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return node;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync().ConfigureAwait(false);
        _crl?.Dispose();
    }
}
