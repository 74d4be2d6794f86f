using System.Net;
using System.Security.Cryptography.X509Certificates;
using OpenMss.Identity.Accounts;
using OpenMss.Identity.SignIn;

namespace OpenMss.Identity;

/// <summary>Configuration of an <see cref="IdentityProvider"/>.</summary>
public sealed class IdentityProviderOptions
{
    /// <summary>Where to listen. Default 127.0.0.1 on a free port.</summary>
    public IPEndPoint ListenEndPoint { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>
    /// TLS server certificate (with its private key), issued by the trust authority for the issuer's
    /// host. Required: the provider speaks HTTPS only, on loopback too.
    /// </summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>
    /// Production (the default): answers over HTTPS carry HSTS (RFC 6797). The demo on loopback turns
    /// it off, since a browser would then pin HTTPS for <c>localhost</c> and every local service on it.
    /// </summary>
    public bool Production { get; set; } = true;

    /// <summary>
    /// The issuer URL (<c>iss</c> of the tokens, base of the discovery document). When null it is
    /// <c>https://{PublicHostName or the listen address}:{bound port}/</c>.
    /// </summary>
    public Uri? Issuer { get; set; }

    /// <summary>Host name for the computed issuer, e.g. the name in <see cref="ServerCertificate"/>. Ignored when <see cref="Issuer"/> is set.</summary>
    public string? PublicHostName { get; set; }

    /// <summary>
    /// Folder for the default database (<c>identity.db</c>) and key files (<c>signing-key.pem</c>,
    /// <c>encryption-key.pem</c>, <c>totp-secrets.key</c>). Required unless <see cref="Database"/> and <see cref="SigningKeyPath"/> are both set.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>The database; default SQLite <c>{DataDirectory}/identity.db</c>.</summary>
    public IdentityDatabase? Database { get; set; }

    /// <summary>PEM file of the RSA key that signs tokens (RS256), created with mode 0600 when missing. Default <c>{DataDirectory}/signing-key.pem</c>.</summary>
    public string? SigningKeyPath { get; set; }

    /// <summary>
    /// PEM file of the RSA key that encrypts authorization codes and refresh tokens (access tokens are
    /// signed JWTs, not encrypted). Default <c>encryption-key.pem</c> beside the signing key.
    /// </summary>
    public string? EncryptionKeyPath { get; set; }

    /// <summary>
    /// File of the 32-byte AES-256-GCM key that seals the accounts' TOTP secrets in the database
    /// (same format as the mail store's message key), created with mode 0600 when missing. Keep it
    /// outside the database and its backups. Default <c>totp-secrets.key</c> beside the signing key.
    /// </summary>
    public string? SecretsKeyPath { get; set; }

    /// <summary>Access token lifetime. Default 1 hour.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Refresh token lifetime (sliding). Default 14 days.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How long the sign-in page's session cookie lets a browser skip the form. Default 30 minutes.</summary>
    public TimeSpan SignInSessionLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The registered applications. Clients in the database but not listed here are removed at start.</summary>
    public IList<IdentityClient> Clients { get; init; } = [];

    /// <summary>The accounts; default the EF Core <see cref="AccountStore"/> in <see cref="Database"/>.</summary>
    public IAccountStore? Accounts { get; set; }

    /// <summary>
    /// Sends the one-time codes of patient sign-ins to the patients' personal addresses (a smarthost;
    /// the demo's catcher). Without it patients cannot sign in.
    /// </summary>
    public OpenMss.Core.Mail.IInternetMailSender? InternetMail { get; set; }

    /// <summary>Validity, attempts and sending limits of the patients' one-time codes.</summary>
    public PatientCodeOptions PatientCodes { get; set; } = new();

    /// <summary>Rate limiting of failed sign-ins (counters kept in <see cref="Database"/>, shared by every node using it).</summary>
    public SignInThrottleOptions Throttle { get; set; } = new();

    /// <summary>Sign-in audit entries older than this are deleted at start. Default 1 year.</summary>
    public TimeSpan AuditRetention { get; set; } = TimeSpan.FromDays(365);

    /// <summary>
    /// Lowest level logged for the framework categories (OpenIddict, ASP.NET Core, EF Core). Warning by
    /// default; tests lower it to prove that even verbose framework logs carry no secret.
    /// </summary>
    internal Microsoft.Extensions.Logging.LogLevel FrameworkLogLevel { get; set; } = Microsoft.Extensions.Logging.LogLevel.Warning;

    /// <summary>Clock of one-time codes, lockouts and the audit (token lifetimes use the system clock).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
