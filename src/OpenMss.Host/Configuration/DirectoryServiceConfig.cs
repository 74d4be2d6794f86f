namespace OpenMss.Host.Configuration;

/// <summary>
/// The configuration file of the national directory (<c>openmss serve --config annuaire.json</c>,
/// <c>"service": "directory"</c>): its HTTPS listener, its store, its trust and the operators it
/// registers. Documented in <c>docs/configuration.md</c>; relative paths are resolved against the file's folder.
/// </summary>
public sealed class DirectoryServiceConfig
{
    /// <summary>Always <c>directory</c>: the key by which <c>openmss serve</c> picks this service.</summary>
    public string Service => ConfigurationFile.Directory;

    /// <summary><c>host:port</c> of the HTTPS listener; port 0 picks a free port.</summary>
    public string Listen { get; set; } = "127.0.0.1:8443";

    /// <summary>The host name in the directory's URLs (one its certificate names). Default: the listen address.</summary>
    public string? PublicHost { get; set; }

    /// <summary>Production (the default): answers carry HSTS (RFC 6797). Off only on loopback (the demo).</summary>
    public bool Production { get; set; } = true;

    /// <summary>The server certificate, its key, the trust anchor operators' client certificates chain to, the CRL.</summary>
    public TlsConfig Tls { get; set; } = new();

    /// <summary>The directory's database: <c>sqlite</c> file or <c>postgres</c> connection string.</summary>
    public StorageConfig Storage { get; set; } = new() { ConnectionString = "annuaire.db" };

    /// <summary>
    /// The operators of the trust space, registered (or updated) at every start: they make the
    /// whitelist and the routing table. An administrator adds one here and restarts the service.
    /// </summary>
    public List<DirectoryOperatorConfig> Operators { get; set; } = [];

    /// <summary>Reads a configuration file, resolves its relative paths and validates it.</summary>
    /// <exception cref="ConfigurationException">The file is missing, malformed or incomplete.</exception>
    public static DirectoryServiceConfig Load(string path)
    {
        var config = ConfigurationFile.Read<DirectoryServiceConfig>(path);
        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        ConfigurationFile.ResolveTls(config.Tls, baseDirectory);
        config.Storage.ConnectionString = ConfigurationFile.ResolveSqlite(config.Storage.Provider, config.Storage.ConnectionString, baseDirectory);
        config.Validate();
        return config;
    }

    /// <summary>Writes the file owner-only (0600).</summary>
    public void Save(string path) => ConfigurationFile.Write(path, this);

    /// <summary>Checks what the service cannot start without, naming the bad key.</summary>
    public void Validate()
    {
        ConfigurationFile.Require(Listen, "listen");
        ConfigurationFile.Require(Tls.Certificate, "tls.certificate");
        ConfigurationFile.Require(Tls.Key, "tls.key");
        ConfigurationFile.Require(Tls.TrustAnchor, "tls.trustAnchor");
        ConfigurationFile.RequireStorage(Storage);
        for (var i = 0; i < Operators.Count; i++)
        {
            var op = Operators[i];
            ConfigurationFile.Require(op.Name, $"operators[{i}].name");
            if (op.Domains.Count == 0)
            {
                throw new ConfigurationException($"'operators[{i}].domains' must list at least one mail domain.");
            }

            foreach (var domain in op.Domains)
            {
                if (!OpenMss.Core.Addressing.MssDomains.IsTrustSpaceDomain(domain))
                {
                    throw new ConfigurationException($"'operators[{i}].domains': {domain} is not a domain under .mssante.fr.");
                }
            }
        }
    }
}

/// <summary>One operator the directory registers: its domains (whitelist) and relay endpoint (routing table).</summary>
public sealed class DirectoryOperatorConfig
{
    /// <summary>The operator's name, as in its certificate.</summary>
    public string Name { get; set; } = "";

    /// <summary>Its mail domains, all under <c>.mssante.fr</c>.</summary>
    public List<string> Domains { get; set; } = [];

    /// <summary><c>host:port</c> of its SMTP relay.</summary>
    public string? Relay { get; set; }

    /// <summary>SHA-256 thumbprint (hex) of its operator certificate, when pinned. Optional.</summary>
    public string? CertificateThumbprint { get; set; }
}
