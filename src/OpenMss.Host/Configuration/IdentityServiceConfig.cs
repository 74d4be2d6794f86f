namespace OpenMss.Host.Configuration;

/// <summary>
/// The configuration file of the identity provider, OpenMSS's OpenID Connect stand-in for Pro Santé
/// Connect (<c>openmss serve --config identite.json</c>, <c>"service": "identity"</c>): its HTTPS
/// listener and issuer, its data folder and accounts database, its registered clients. Documented in
/// <c>docs/configuration.md</c>; relative paths are resolved against the file's folder.
/// </summary>
public sealed class IdentityServiceConfig
{
    /// <summary>Always <c>identity</c>: the key by which <c>openmss serve</c> picks this service.</summary>
    public string Service => ConfigurationFile.Identity;

    /// <summary><c>host:port</c> of the HTTPS listener; port 0 picks a free port.</summary>
    public string Listen { get; set; } = "127.0.0.1:9443";

    /// <summary>The issuer URL (<c>iss</c> of the tokens). Default: <c>https://{publicHost}:{port}/</c>.</summary>
    public string? Issuer { get; set; }

    /// <summary>The host name of the computed issuer (one the certificate names). Ignored when <see cref="Issuer"/> is set.</summary>
    public string? PublicHost { get; set; }

    /// <summary>Production (the default): answers carry HSTS (RFC 6797). Off only on loopback (the demo).</summary>
    public bool Production { get; set; } = true;

    /// <summary>The server certificate and its key (PEM), issued by the trust authority.</summary>
    public TlsConfig Tls { get; set; } = new();

    /// <summary>The folder of the signing, encryption and TOTP keys (and of the default SQLite accounts database).</summary>
    public string DataDirectory { get; set; } = "identity";

    /// <summary>The accounts database; default SQLite <c>{dataDirectory}/identity.db</c>.</summary>
    public StorageConfig? Storage { get; set; }

    /// <summary>Access token lifetime. Default 1 hour.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The smarthost that carries the one-time codes of patient sign-ins to their personal
    /// addresses. Without it patients cannot sign in (professionals are not concerned).
    /// </summary>
    public SmarthostConfig? InternetMail { get; set; }

    /// <summary>The registered applications: mail clients, the operators' mail servers (introspection), web apps.</summary>
    public List<IdentityClientConfig> Clients { get; set; } = [];

    /// <summary>Reads a configuration file, resolves its relative paths and validates it.</summary>
    /// <exception cref="ConfigurationException">The file is missing, malformed or incomplete.</exception>
    public static IdentityServiceConfig Load(string path)
    {
        var config = ConfigurationFile.Read<IdentityServiceConfig>(path);
        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        ConfigurationFile.ResolveTls(config.Tls, baseDirectory);
        config.DataDirectory = ConfigurationFile.Resolve(config.DataDirectory, baseDirectory)!;
        if (config.Storage is not null)
        {
            config.Storage.ConnectionString = ConfigurationFile.ResolveSqlite(config.Storage.Provider, config.Storage.ConnectionString, baseDirectory);
        }

        config.InternetMail?.Resolve(baseDirectory);
        foreach (var client in config.Clients)
        {
            client.SecretFile = ConfigurationFile.Resolve(client.SecretFile, baseDirectory);
        }

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
        ConfigurationFile.Require(DataDirectory, "dataDirectory");
        if (Issuer is not null && !(Uri.TryCreate(Issuer, UriKind.Absolute, out var issuer) && issuer.Scheme == "https"))
        {
            throw new ConfigurationException("'issuer' must be an absolute https URL.");
        }

        if (Storage is not null)
        {
            ConfigurationFile.RequireStorage(Storage);
        }

        InternetMail?.Validate("internetMail");

        for (var i = 0; i < Clients.Count; i++)
        {
            var client = Clients[i];
            ConfigurationFile.Require(client.ClientId, $"clients[{i}].clientId");
            if ((client.AllowIntrospection || client.AllowClientCredentials) && string.IsNullOrWhiteSpace(client.SecretFile))
            {
                throw new ConfigurationException($"'clients[{i}].secretFile' is required for a client that introspects or uses client credentials.");
            }

            foreach (var uri in client.RedirectUris.Concat(client.PostLogoutRedirectUris))
            {
                if (!Uri.TryCreate(uri, UriKind.Absolute, out _))
                {
                    throw new ConfigurationException($"'clients[{i}]': {uri} is not an absolute URL.");
                }
            }
        }
    }
}

/// <summary>One application registered with the identity provider (OpenID Connect client).</summary>
public sealed class IdentityClientConfig
{
    /// <summary>The <c>client_id</c>.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>Shown on the sign-in page. Default: the client id.</summary>
    public string? DisplayName { get; set; }

    /// <summary>A file holding the secret of a confidential client (keep it 0600); none: a public client.</summary>
    public string? SecretFile { get; set; }

    /// <summary>Redirect URIs of the authorization code flow (web apps).</summary>
    public List<string> RedirectUris { get; set; } = [];

    /// <summary>Where sign-out may send the browser back.</summary>
    public List<string> PostLogoutRedirectUris { get; set; } = [];

    /// <summary>May use the password grant (mail clients).</summary>
    public bool AllowPasswordGrant { get; set; }

    /// <summary>May use the client credentials grant (confidential clients only).</summary>
    public bool AllowClientCredentials { get; set; }

    /// <summary>May call the introspection endpoint (RFC 7662): the operators' mail servers.</summary>
    public bool AllowIntrospection { get; set; }

    /// <summary>May get refresh tokens. Default true.</summary>
    public bool AllowRefreshTokens { get; set; } = true;
}
