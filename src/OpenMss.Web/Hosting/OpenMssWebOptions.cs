using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using OpenMss.Web.Security;

namespace OpenMss.Web.Hosting;

/// <summary>
/// How one OpenMSS web surface (the directory, the identity provider, an operator's endpoint, the
/// coming apps) listens and behaves: its HTTPS listener, where its logs go, and whether it runs in
/// production (HSTS, RFC 6797). Read by <see cref="OpenMssWebExtensions.AddOpenMssWeb"/>.
/// </summary>
public sealed class OpenMssWebOptions
{
    /// <summary>Where to listen; port 0 picks a free port.</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>
    /// The TLS server certificate, with its private key, issued by the trust authority. Null means
    /// plain HTTP, which is refused on any address but loopback (tests only).
    /// </summary>
    public X509Certificate2? ServerCertificate { get; init; }

    /// <summary>Further TLS settings of the listener (e.g. asking for a client certificate).</summary>
    public Action<HttpsConnectionAdapterOptions>? ConfigureHttps { get; init; }

    /// <summary>
    /// Production: answers carry <c>Strict-Transport-Security</c> (RFC 6797). Off in the demo on
    /// loopback, where a browser would otherwise pin HTTPS for <c>localhost</c> and every other
    /// local service on it. Cookies are Secure, HttpOnly and SameSite whatever this says.
    /// </summary>
    public bool Production { get; init; } = true;

    /// <summary>HSTS max-age. Default one year.</summary>
    public TimeSpan HstsMaxAge { get; init; } = TimeSpan.FromDays(365);

    /// <summary>The caller's logs: framework categories reach it from <see cref="FrameworkLogLevel"/> up.</summary>
    public required ILoggerFactory LoggerFactory { get; init; }

    /// <summary>
    /// Lowest level of the framework categories (<c>Microsoft</c>, <c>System</c> and
    /// <see cref="FrameworkCategories"/>). Warning by default: at Information ASP.NET Core logs every
    /// request URL, which can carry a search term, a mailbox address or a patient's identifier.
    /// </summary>
    public LogLevel FrameworkLogLevel { get; init; } = LogLevel.Warning;

    /// <summary>Further framework category prefixes held at <see cref="FrameworkLogLevel"/> (e.g. <c>OpenIddict</c>).</summary>
    public IReadOnlyList<string> FrameworkCategories { get; init; } = [];

    /// <summary>Largest request body accepted (413 beyond). Default 64 KiB.</summary>
    public long MaxRequestBodySize { get; init; } = 64 * 1024;

    /// <summary>
    /// The default <c>Content-Security-Policy</c>: nothing but the site's own style sheets, images
    /// and form targets; a page may set a stricter or wider one for itself.
    /// </summary>
    public string ContentSecurityPolicy { get; init; } = SecurityHeaders.DefaultContentSecurityPolicy;

    /// <summary>Default <c>Cache-Control</c> of answers (an endpoint may set its own); null sets none.</summary>
    public string? CacheControl { get; init; } = "no-store";

    /// <summary>
    /// Where the ASP.NET Core DataProtection key ring is kept (a folder only its owner may enter), for
    /// a surface with forms (antiforgery) or a sign-in session (<c>AddOpenMssSignIn</c>). Null: no
    /// antiforgery and no key ring, so nothing is written under <c>$HOME/.aspnet</c> (the framework's
    /// default, where the keys would sit unencrypted) by a surface that has neither.
    /// </summary>
    public string? DataProtectionKeysDirectory { get; init; }

    /// <summary>Prefix of the antiforgery cookie's name and of the key ring's application name, distinct per surface sharing a host.</summary>
    public string CookiePrefix { get; init; } = "openmss";
}
