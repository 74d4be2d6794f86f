using Microsoft.AspNetCore.Http;
using OpenMss.Web.Hosting;

namespace OpenMss.Web.Security;

/// <summary>
/// The response headers every OpenMSS web answer carries, written in one place: no MIME sniffing,
/// no framing (CSP <c>frame-ancestors</c>, W3C CSP Level 3, and <c>X-Frame-Options</c>, RFC 7034),
/// no referrer (URLs carry search terms and addresses), a restrictive Content-Security-Policy and,
/// by default, no caching. Endpoints may overwrite a header after this middleware has run.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>Own style sheets, images and form targets only; no script, no frame, no base URL.</summary>
    public const string DefaultContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    internal static void Apply(HttpResponse response, OpenMssWebOptions options)
    {
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = options.ContentSecurityPolicy;
        if (options.CacheControl is { } cacheControl)
        {
            headers.CacheControl = cacheControl;
        }
    }
}
