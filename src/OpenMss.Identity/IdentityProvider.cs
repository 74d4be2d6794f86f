using System.Net;
using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenMss.Identity.Accounts;
using OpenMss.Identity.Endpoints;
using OpenMss.Identity.Keys;
using OpenMss.Identity.SignIn;
using OpenMss.Identity.Storage;
using OpenMss.Web.Hosting;
using OpenMss.Web.Logging;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMss.Identity;

/// <summary>
/// The OpenID Connect provider standing in for Pro Santé Connect (OpenID Connect Core 1.0): a
/// standard OpenIddict server on Kestrel where professionals sign in with their RPPS, a password and
/// a TOTP code (the e-CPS stand-in). It issues JWT access tokens (RS256, <c>sub</c> = idNat_PS,
/// claims <c>name</c> and <c>rpps</c>, audience <c>openmss-mail</c> for the <c>mail</c> scope) by the
/// authorization code flow with PKCE (RFC 7636), refresh tokens, the password grant (for clients
/// flagged for it, code in the <c>otp</c> field) and client credentials. Discovery and JWKS are at
/// the standard <c>/.well-known/</c> paths; token introspection (RFC 7662) answers mail servers
/// registered for it, and says <c>active: false</c> as soon as an account is disabled or deleted.
/// TOTP secrets are sealed in the database under a key file, failed sign-in counters are shared
/// through the database. Patients of Mon espace santé sign in over the same flow when the client
/// asks for the <c>patient-mail</c> scope: INS and password, then a one-time code sent by e-mail
/// (<see cref="IdentityProviderOptions.InternetMail"/>); their tokens carry the <c>ins</c> claim and
/// the <c>openmss-patient-mail</c> audience, never a professional's.
/// </summary>
public sealed partial class IdentityProvider : IAsyncDisposable, IDisposable
{
    private readonly WebApplication _app;
    private readonly ILoggerFactory _hostLoggerFactory;
    private int _disposed;

    private IdentityProvider(WebApplication app, ILoggerFactory hostLoggerFactory, Uri issuer, IPEndPoint endPoint, IAccountStore accounts, PatientAccountStore patients, SignInAuditLog audit, string signingKeyPath, string secretsKeyPath)
    {
        _app = app;
        _hostLoggerFactory = hostLoggerFactory;
        Issuer = issuer;
        EndPoint = endPoint;
        Accounts = accounts;
        Patients = patients;
        Audit = audit;
        SigningKeyPath = signingKeyPath;
        SecretsKeyPath = secretsKeyPath;
    }

    /// <summary>The issuer URL (with a trailing slash), as in the tokens' <c>iss</c> and the discovery document.</summary>
    public Uri Issuer { get; }

    /// <summary>The OpenID Connect discovery document.</summary>
    public Uri MetadataAddress => new(Issuer, ".well-known/openid-configuration");

    /// <summary>The token endpoint.</summary>
    public Uri TokenEndpoint => new(Issuer, IdentityProtocol.TokenPath.TrimStart('/'));

    /// <summary>The token introspection endpoint (RFC 7662).</summary>
    public Uri IntrospectionEndpoint => new(Issuer, IdentityProtocol.IntrospectionPath.TrimStart('/'));

    /// <summary>The authorization endpoint.</summary>
    public Uri AuthorizationEndpoint => new(Issuer, IdentityProtocol.AuthorizationPath.TrimStart('/'));

    /// <summary>The address and port actually listened on.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The professionals who can sign in.</summary>
    public IAccountStore Accounts { get; }

    /// <summary>
    /// The patient accounts (Mon espace santé), in their own table: the patient space creates,
    /// activates and disables them here, in-process, or through the <c>openmss</c> CLI.
    /// </summary>
    public PatientAccountStore Patients { get; }

    /// <summary>The sign-in audit (also logged to <see cref="SignInAuditLog.LoggerCategory"/>).</summary>
    public SignInAuditLog Audit { get; }

    /// <summary>The PEM file of the token signing key.</summary>
    public string SigningKeyPath { get; }

    /// <summary>The AES-256-GCM key file that seals TOTP secrets in the database.</summary>
    public string SecretsKeyPath { get; }

    /// <summary>Starts the provider; returns once it accepts connections.</summary>
    /// <exception cref="InvalidOperationException">No server certificate (the provider serves HTTPS only), or a misconfiguration.</exception>
    public static async Task<IdentityProvider> StartAsync(IdentityProviderOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var settings = Resolve(options);

        // Framework categories held at Warning by default: at Information OpenIddict logs whole requests
        // (custom fields unredacted), ASP.NET Core logs URLs, and EF Core logs SQL. Never below
        // Information: at Debug OpenIddict logs every token it creates, in full.
        var frameworkLevel = options.FrameworkLogLevel < LogLevel.Information ? LogLevel.Information : options.FrameworkLogLevel;
        var hostLoggerFactory = LoggerFactory.Create(logging => ForwardingLoggerProvider.Bridge(logging, loggerFactory, frameworkLevel, FrameworkCategories));
        var started = false;
        try
        {
            var logger = hostLoggerFactory.CreateLogger<IdentityProvider>();
            var signingKey = KeyFiles.LoadOrCreate(settings.SigningKeyPath, logger);
            var encryptionKey = KeyFiles.LoadOrCreate(settings.EncryptionKeyPath, logger);

            var dbOptions = AccountStore.BuildOptions(settings.Database, hostLoggerFactory);
            var ownStore = await AccountStore.OpenAsync(settings.Database, new AccountStoreOptions
            {
                SecretsKeyPath = settings.SecretsKeyPath,
                TimeProvider = options.TimeProvider,
                LoggerFactory = hostLoggerFactory,
            }, cancellationToken).ConfigureAwait(false);
            var accounts = options.Accounts ?? ownStore;
            var audit = new SignInAuditLog(dbOptions, loggerFactory, options.TimeProvider);
            var throttle = new SignInThrottle(options.Throttle, options.TimeProvider, dbOptions, settings.Database.Kind);
            var signIn = new SignInService(accounts, throttle, audit);
            var patients = await PatientAccountStore.OpenAsync(settings.Database, options.TimeProvider, options.PatientCodes, hostLoggerFactory, cancellationToken).ConfigureAwait(false);
            var patientSignIn = new PatientSignInService(patients, options.InternetMail, throttle, audit, hostLoggerFactory.CreateLogger<PatientSignInService>());
            var issuerSlot = new IssuerSlot(options.Issuer);

            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
            {
                ApplicationName = typeof(IdentityProvider).Assembly.GetName().Name,
                ContentRootPath = AppContext.BaseDirectory,
            });
            builder.WebHost.UseKestrelCore();
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.AddOpenMssWeb(new OpenMssWebOptions
            {
                Listen = options.ListenEndPoint,
                ServerCertificate = options.ServerCertificate,
                Production = options.Production,
                LoggerFactory = loggerFactory,
                FrameworkLogLevel = frameworkLevel,
                FrameworkCategories = FrameworkCategories,
                CookiePrefix = "openmss_idp",
            });
            ConfigureServices(builder.Services, options, settings, signingKey, encryptionKey, issuerSlot);
            builder.Services.AddSingleton(accounts);
            builder.Services.AddSingleton(signIn);
            builder.Services.AddSingleton(patients);
            builder.Services.AddSingleton(patientSignIn);
            builder.Services.AddSingleton<PatientSignInEndpoints>();
            builder.Services.AddSingleton(new IntrospectionPolicy(options.Clients.Where(c => c.AllowIntrospection).Select(c => c.ClientId)));
            builder.Services.AddSingleton(new SessionSettings(options.SignInSessionLifetime));
            builder.Services.AddSingleton<OidcEndpoints>();
            // Cookies, OpenIddict and the endpoints all read this clock.
            builder.Services.AddSingleton(options.TimeProvider);

            var app = builder.Build();
            try
            {
                await PrepareDatabaseAsync(app, options, audit, throttle, cancellationToken).ConfigureAwait(false);

                // Errors outside the OAuth protocol (unknown path, failure) are RFC 9457 problem
                // details, never a stack trace; OAuth errors keep their RFC 6749 JSON bodies.
                app.UseOpenMssWeb();

                // Until the issuer is known (it may depend on the bound port) every request waits outside.
                app.Use((context, next) => issuerSlot.Ready ? next(context) : Unavailable(context));
                app.UseRouting();
                app.UseAuthentication();
                OidcEndpoints.Map(app);

                await app.StartAsync(cancellationToken).ConfigureAwait(false);
                var endPoint = BoundEndPoint(app, options.ListenEndPoint);
                var issuer = options.Issuer ?? ComputeIssuer(options, endPoint);
                issuerSlot.Publish(issuer);
                var effective = app.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue.Issuer;
                if (effective != issuer)
                {
                    throw new InvalidOperationException("The issuer was fixed before the listening port was known.");
                }

                LogStarted(logger, issuer, settings.Database);
                started = true;
                return new IdentityProvider(app, hostLoggerFactory, issuer, endPoint, accounts, patients, audit, settings.SigningKeyPath, settings.SecretsKeyPath);
            }
            finally
            {
                if (!started)
                {
                    await app.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (!started)
            {
                hostLoggerFactory.Dispose();
            }
        }
    }

    /// <summary>Shortcut for <see cref="IAccountStore.CreateOrUpdateAccountAsync"/> on <see cref="Accounts"/>.</summary>
    public Task<TotpEnrollment> CreateOrUpdateAccountAsync(string rpps, string displayName, string password, string? totpSecretBase32 = null, CancellationToken cancellationToken = default) =>
        Accounts.CreateOrUpdateAccountAsync(rpps, displayName, password, totpSecretBase32, cancellationToken);

    /// <summary>Shortcut for <see cref="IAccountStore.VerifyPasswordAsync"/> on <see cref="Accounts"/>.</summary>
    public Task<ProfessionalAccount?> VerifyPasswordAsync(string identifier, string password, CancellationToken cancellationToken = default) =>
        Accounts.VerifyPasswordAsync(identifier, password, cancellationToken);

    /// <summary>Stops listening, letting requests in progress finish.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _hostLoggerFactory.Dispose();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        ((IDisposable)_app).Dispose();
        _hostLoggerFactory.Dispose();
    }

    public override string ToString() => $"Identity provider {Issuer}";

    private static ResolvedSettings Resolve(IdentityProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options.ListenEndPoint);
        // HTTPS only, loopback included: an OpenID Connect client, a browser cookie of a health app
        // and the mail servers' token checks all accept nothing less (OAuth 2.0 Security BCP, RFC 9700 §2.6).
        if (options.ServerCertificate is null)
        {
            throw new InvalidOperationException("The identity provider serves HTTPS only: set ServerCertificate (issued by the trust authority).");
        }

        if (options.ServerCertificate is { HasPrivateKey: false })
        {
            throw new InvalidOperationException("The server certificate has no private key.");
        }

        if (options.Issuer is { } issuer)
        {
            if (!issuer.IsAbsoluteUri || issuer.Scheme != Uri.UriSchemeHttps || !string.IsNullOrEmpty(issuer.Query) || !string.IsNullOrEmpty(issuer.Fragment))
            {
                throw new InvalidOperationException("The issuer must be an absolute https URL without query or fragment (OpenID Connect Discovery §3).");
            }
        }

        if (options.AccessTokenLifetime <= TimeSpan.Zero || options.RefreshTokenLifetime <= TimeSpan.Zero || options.SignInSessionLifetime <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Token and session lifetimes must be positive.");
        }

        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        ArgumentNullException.ThrowIfNull(options.Throttle);
        options.Throttle.Validate();

        var directory = options.DataDirectory is null ? null : Path.GetFullPath(options.DataDirectory);
        var database = options.Database
            ?? (directory is null ? null : IdentityDatabase.Sqlite(Path.Combine(directory, "identity.db")))
            ?? throw new InvalidOperationException("Set DataDirectory, or both Database and SigningKeyPath.");
        var signingKeyPath = options.SigningKeyPath
            ?? (directory is null ? null : Path.Combine(directory, "signing-key.pem"))
            ?? throw new InvalidOperationException("Set DataDirectory, or both Database and SigningKeyPath.");
        signingKeyPath = Path.GetFullPath(signingKeyPath);
        var encryptionKeyPath = Path.GetFullPath(options.EncryptionKeyPath
            ?? Path.Combine(Path.GetDirectoryName(signingKeyPath)!, "encryption-key.pem"));
        var secretsKeyPath = Path.GetFullPath(options.SecretsKeyPath
            ?? Path.Combine(Path.GetDirectoryName(signingKeyPath)!, "totp-secrets.key"));
        if (encryptionKeyPath == signingKeyPath || secretsKeyPath == signingKeyPath || secretsKeyPath == encryptionKeyPath)
        {
            throw new InvalidOperationException("The signing, encryption and secrets keys must be different files.");
        }

        if (database.Kind == IdentityDatabaseKind.Sqlite && secretsKeyPath == database.SqliteFilePath)
        {
            throw new InvalidOperationException("The secrets key must be kept outside the database.");
        }

        var dataProtectionKeysPath = Path.Combine(Path.GetDirectoryName(signingKeyPath)!, "data-protection-keys");
        return new ResolvedSettings(database, signingKeyPath, encryptionKeyPath, secretsKeyPath, dataProtectionKeysPath);
    }

    private static void ConfigureServices(IServiceCollection services, IdentityProviderOptions options, ResolvedSettings settings,
        Microsoft.IdentityModel.Tokens.SecurityKey signingKey, Microsoft.IdentityModel.Tokens.SecurityKey encryptionKey, IssuerSlot issuerSlot)
    {
        services.AddLogging();
        services.AddRouting();

        // Cookies and antiforgery tokens are protected with DataProtection keys. Replacing only the
        // provider with an ephemeral one is not enough: AddAntiforgery/AddAuthentication still
        // register the key ring and its hosted service, which writes unencrypted key files under
        // $HOME/.aspnet/DataProtection-Keys at start. The keys go next to the provider's other keys,
        // in a folder only its owner can enter (the files themselves are created 0600).
        services.AddDataProtection()
            .SetApplicationName("openmss-identity")
            .PersistKeysToFileSystem(PrivateDirectory.Create(settings.DataProtectionKeysPath));
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "openmss_idp_af";
            antiforgery.Cookie.Path = "/connect";
            antiforgery.FormFieldName = "__RequestVerificationToken";
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.Always;
        });
        services.AddAuthentication(Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = "openmss_idp";
                cookie.Cookie.Path = "/connect";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.Always;
                cookie.ExpireTimeSpan = options.SignInSessionLifetime;
                cookie.SlidingExpiration = false;
            });

        services.AddDbContext<IdentityDbContext>(db => settings.Database.Configure(db));
        services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<IdentityDbContext>())
            .AddServer(server =>
            {
                server.SetAuthorizationEndpointUris(IdentityProtocol.AuthorizationPath.TrimStart('/'))
                    .SetTokenEndpointUris(IdentityProtocol.TokenPath.TrimStart('/'))
                    .SetUserInfoEndpointUris(IdentityProtocol.UserInfoPath.TrimStart('/'))
                    .SetEndSessionEndpointUris(IdentityProtocol.EndSessionPath.TrimStart('/'))
                    .SetIntrospectionEndpointUris(IdentityProtocol.IntrospectionPath.TrimStart('/'));
                server.AllowAuthorizationCodeFlow()
                    .AllowRefreshTokenFlow()
                    .AllowPasswordFlow()
                    .AllowClientCredentialsFlow();
                server.RequireProofKeyForCodeExchange();
                server.RegisterScopes([.. IdentityProtocol.SupportedScopes]);
                server.RegisterClaims(Claims.Subject, Claims.Name, IdentityProtocol.RppsClaim, IdentityProtocol.AdeliClaim, IdentityProtocol.InsClaim);
                server.AddSigningKey(signingKey);
                server.AddEncryptionKey(encryptionKey);
                server.DisableAccessTokenEncryption();
                server.SetAccessTokenLifetime(options.AccessTokenLifetime);
                server.SetRefreshTokenLifetime(options.RefreshTokenLifetime);
                server.AddEventHandler(OneTimeCodeRedaction.Descriptor);
                server.RemoveEventHandler(OpenIddictServerHandlers.Introspection.ValidateAuthorizedParty.Descriptor);
                server.AddEventHandler(IntrospectionAuthorizedParty.Descriptor);
                server.AddEventHandler(IntrospectionAccountStatus.Descriptor);
                if (options.Issuer is not null)
                {
                    server.SetIssuer(options.Issuer);
                }

                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough();
            });

        if (options.Issuer is null)
        {
            services.PostConfigure<OpenIddictServerOptions>(server => server.Issuer = issuerSlot.Issuer);
        }
    }

    private static async Task PrepareDatabaseAsync(WebApplication app, IdentityProviderOptions options, SignInAuditLog audit, SignInThrottle throttle, CancellationToken cancellationToken)
    {
        var scope = app.Services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            await ClientRegistrations.SyncAsync(applications, options.Clients, cancellationToken).ConfigureAwait(false);

            // No background pruning job: expired tokens and ad-hoc authorizations go at each start.
            var threshold = options.TimeProvider.GetUtcNow() - options.RefreshTokenLifetime;
            await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, cancellationToken).ConfigureAwait(false);
            await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, cancellationToken).ConfigureAwait(false);
        }

        await audit.PurgeAsync(options.AuditRetention, cancellationToken).ConfigureAwait(false);
        await throttle.PruneAsync(cancellationToken).ConfigureAwait(false);
    }

    private static IPEndPoint BoundEndPoint(WebApplication app, IPEndPoint requested)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("Kestrel reported no listening address.");
        return new IPEndPoint(requested.Address, new Uri(first).Port);
    }

    private static Uri ComputeIssuer(IdentityProviderOptions options, IPEndPoint endPoint)
    {
        var host = options.PublicHostName ?? (endPoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : endPoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : endPoint.Address).ToString();
        return new UriBuilder(Uri.UriSchemeHttps, host, endPoint.Port, "/").Uri;
    }

    private static Task Unavailable(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "1";
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Identity provider {Issuer} started (database {Database})")]
    private static partial void LogStarted(ILogger logger, Uri issuer, IdentityDatabase database);

    private static readonly string[] FrameworkCategories = ["OpenIddict"];

    private sealed record ResolvedSettings(IdentityDatabase Database, string SigningKeyPath, string EncryptionKeyPath, string SecretsKeyPath, string DataProtectionKeysPath);

    /// <summary>The issuer, published once the port is bound; OpenIddict reads it when it first builds its options.</summary>
    private sealed class IssuerSlot(Uri? issuer)
    {
        private volatile Uri? _issuer = issuer;
        private volatile bool _ready;

        public Uri? Issuer => _issuer;

        public bool Ready => _ready;

        public void Publish(Uri issuer)
        {
            _issuer = issuer;
            _ready = true;
        }
    }
}
