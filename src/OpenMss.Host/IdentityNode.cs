using Microsoft.Extensions.Logging;
using OpenMss.Host.Configuration;
using OpenMss.Identity;
using OpenMss.Identity.Accounts;
using OpenMss.Trust;

namespace OpenMss.Host;

/// <summary>
/// The identity provider run from its configuration file (<see cref="IdentityServiceConfig"/>): what
/// <c>openmss serve</c> starts for <c>"service": "identity"</c>, and what the demo starts too. An
/// OpenID Connect provider (OpenID Connect Core 1.0, RFC 6749, RFC 7662 introspection) over HTTPS.
/// </summary>
public static class IdentityNode
{
    /// <summary>Reads the clients' secret files, opens the accounts database and starts the HTTPS listener.</summary>
    /// <exception cref="ConfigurationException">A file the configuration names cannot be used.</exception>
    public static async Task<IdentityProvider> StartAsync(IdentityServiceConfig config, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var clients = new List<IdentityClient>();
        for (var i = 0; i < config.Clients.Count; i++)
        {
            var client = config.Clients[i];
            string? secret = null;
            if (!string.IsNullOrWhiteSpace(client.SecretFile))
            {
                if (!File.Exists(client.SecretFile))
                {
                    throw new ConfigurationException($"'clients[{i}].secretFile': {client.SecretFile} not found.");
                }

                secret = (await File.ReadAllTextAsync(client.SecretFile, cancellationToken).ConfigureAwait(false)).Trim();
                if (secret.Length == 0)
                {
                    throw new ConfigurationException($"'clients[{i}].secretFile': {client.SecretFile} is empty.");
                }
            }

            clients.Add(new IdentityClient
            {
                ClientId = client.ClientId,
                ClientSecret = secret,
                DisplayName = client.DisplayName,
                RedirectUris = client.RedirectUris.Select(u => new Uri(u)).ToList(),
                PostLogoutRedirectUris = client.PostLogoutRedirectUris.Select(u => new Uri(u)).ToList(),
                AllowPasswordGrant = client.AllowPasswordGrant,
                AllowClientCredentials = client.AllowClientCredentials,
                AllowIntrospection = client.AllowIntrospection,
                AllowRefreshTokens = client.AllowRefreshTokens,
            });
        }

        var internetMail = config.InternetMail is null
            ? null
            : await config.InternetMail.CreateSenderAsync("internetMail", loggerFactory, cancellationToken).ConfigureAwait(false);
        return await IdentityProvider.StartAsync(
            new IdentityProviderOptions
            {
                ListenEndPoint = OperatorNode.ParseEndPoint(config.Listen),
                ServerCertificate = IssuedCertificate.LoadWithKey(config.Tls.Certificate!, config.Tls.Key!),
                Issuer = config.Issuer is null ? null : new Uri(config.Issuer),
                PublicHostName = config.PublicHost,
                Production = config.Production,
                DataDirectory = config.DataDirectory,
                Database = DatabaseOf(config),
                SecretsKeyPath = SecretsKeyPathOf(config),
                AccessTokenLifetime = config.AccessTokenLifetime,
                Clients = clients,
                InternetMail = internetMail,
            },
            loggerFactory,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens the provider's accounts from its configuration, without starting it: what
    /// <c>openmss account</c> uses to enrol a professional, beside a running provider or before it starts.
    /// </summary>
    public static Task<AccountStore> OpenAccountsAsync(IdentityServiceConfig config, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        return AccountStore.OpenAsync(
            DatabaseOf(config),
            new AccountStoreOptions { SecretsKeyPath = SecretsKeyPathOf(config), LoggerFactory = loggerFactory },
            cancellationToken);
    }

    /// <summary>The accounts database: <c>storage</c>, or SQLite <c>{dataDirectory}/identity.db</c>.</summary>
    private static IdentityDatabase DatabaseOf(IdentityServiceConfig config) => config.Storage switch
    {
        null => IdentityDatabase.Sqlite(Path.Combine(config.DataDirectory, "identity.db")),
        { Provider: "postgres" } s => IdentityDatabase.Postgres(s.ConnectionString),
        var s => IdentityDatabase.Sqlite(s.ConnectionString),
    };

    /// <summary>The key sealing the TOTP secrets, in the data folder: the provider and the CLI must use the same.</summary>
    private static string SecretsKeyPathOf(IdentityServiceConfig config) => Path.Combine(config.DataDirectory, "totp-secrets.key");
}
