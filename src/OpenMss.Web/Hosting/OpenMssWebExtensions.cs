using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using OpenMss.Trust;
using OpenMss.Web.Logging;
using OpenMss.Web.Security;

namespace OpenMss.Web.Hosting;

/// <summary>
/// The shared web foundation of OpenMSS's web surfaces: an HTTPS listener (TLS 1.2/1.3, certificate
/// from the trust authority), the logging bridge, security headers, RFC 9457 problem details for
/// every error, antiforgery, HSTS in production (RFC 6797) and the French layout's static assets
/// under <see cref="AssetsPath"/>. <see cref="AddOpenMssWeb"/> on the builder, then
/// <see cref="UseOpenMssWeb"/> first on the application.
/// </summary>
public static class OpenMssWebExtensions
{
    /// <summary>Where the shared static assets (style sheet) are served.</summary>
    public const string AssetsPath = "/_openmss";

    /// <summary>The layout's style sheet.</summary>
    public const string StyleSheet = AssetsPath + "/openmss.css";

    /// <summary>
    /// A slim builder that never runs as Development (no developer exception page, no exception
    /// details in problems) and reads no <c>appsettings.json</c> or command line from the working
    /// folder: only the caller's options decide what listens.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string applicationName) =>
        WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
            ApplicationName = applicationName,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });

    /// <summary>Configures the listener, logging, problem details, HSTS, and antiforgery when <see cref="OpenMssWebOptions.DataProtectionKeysDirectory"/> is set.</summary>
    /// <exception cref="ArgumentException">Plain HTTP on a non-loopback address, or a certificate without its key.</exception>
    public static WebApplicationBuilder AddOpenMssWeb(this WebApplicationBuilder builder, OpenMssWebOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Listen);
        ArgumentNullException.ThrowIfNull(options.LoggerFactory);
        if (options.ServerCertificate is null && !IPAddress.IsLoopback(options.Listen.Address))
        {
            throw new ArgumentException("Without a server certificate a web surface listens on a loopback address only.", nameof(options));
        }

        if (options.ServerCertificate is { HasPrivateKey: false })
        {
            throw new ArgumentException("The web server certificate has no private key.", nameof(options));
        }

        ForwardingLoggerProvider.Bridge(builder.Logging, options.LoggerFactory, options.FrameworkLogLevel, options.FrameworkCategories);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodySize;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Listen(options.Listen, listen =>
            {
                if (options.ServerCertificate is { } certificate)
                {
                    var https = new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = certificate,
                        SslProtocols = TlsSettings.Protocols,
                        CheckCertificateRevocation = false,
                    };
                    options.ConfigureHttps?.Invoke(https);
                    listen.UseHttps(https);
                }
            });
        });

        var secure = options.ServerCertificate is null ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        builder.Services.AddSingleton(options);
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            // Whatever the environment, a problem never carries the exception (type, message, stack).
            context.ProblemDetails.Extensions.Remove("exception");
            context.ProblemDetails.Detail = context.Exception is null ? context.ProblemDetails.Detail : null;
        });
        if (options.DataProtectionKeysDirectory is { } keys)
        {
            builder.Services.AddDataProtection()
                .SetApplicationName("openmss-" + options.CookiePrefix)
                .PersistKeysToFileSystem(PrivateDirectory(keys));
            builder.Services.AddAntiforgery(antiforgery =>
            {
                antiforgery.Cookie.Name = options.CookiePrefix + "_af";
                antiforgery.Cookie.HttpOnly = true;
                antiforgery.Cookie.SameSite = SameSiteMode.Strict;
                antiforgery.Cookie.SecurePolicy = secure;
                antiforgery.FormFieldName = "__RequestVerificationToken";
            });
        }

        builder.Services.AddHsts(hsts =>
        {
            hsts.MaxAge = options.HstsMaxAge;
            hsts.IncludeSubDomains = true;
            // Production is the configuration's explicit word: a loopback name is not excused then.
            hsts.ExcludedHosts.Clear();
        });
        return builder;
    }

    /// <summary>A folder only its owner can enter (0700): the key ring's XML files hold keys unencrypted.</summary>
    private static DirectoryInfo PrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return System.IO.Directory.CreateDirectory(path);
        }

        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var folder = System.IO.Directory.CreateDirectory(path, OwnerOnly);
        // CreateDirectory leaves an existing folder's mode alone: tighten it as well.
        File.SetUnixFileMode(folder.FullName, OwnerOnly);
        return folder;
    }

    /// <summary>
    /// The shared middleware, to call before any endpoint or other middleware: errors as problem
    /// details (exception handler, status code pages), HSTS in production over HTTPS, the security
    /// headers, and the shared static assets.
    /// </summary>
    public static WebApplication UseOpenMssWeb(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<OpenMssWebOptions>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        if (options.Production && options.ServerCertificate is not null)
        {
            app.UseHsts();
        }

        app.Use((context, next) =>
        {
            SecurityHeaders.Apply(context.Response, options);
            return next(context);
        });
        app.UseStaticFiles(new StaticFileOptions
        {
            RequestPath = AssetsPath,
            FileProvider = new EmbeddedFileProvider(typeof(OpenMssWebExtensions).Assembly, "openmss-web"),
            // The assets change only with a release: a day in the browser's cache.
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "public, max-age=86400",
        });
        return app;
    }
}
