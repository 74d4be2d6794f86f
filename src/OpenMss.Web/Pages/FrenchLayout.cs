using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
using OpenMss.Web.Hosting;

namespace OpenMss.Web.Pages;

/// <summary>
/// The French page layout shared by every OpenMSS web page (<c>lang="fr"</c>, the local style sheet
/// at <see cref="OpenMssWebExtensions.StyleSheet"/>, a header with the service's name, a main region).
/// Pages are rendered on the server; the body is markup the caller built with <see cref="Encode"/>.
/// </summary>
public static class FrenchLayout
{
    // Encodes markup characters (< > & " ') but keeps French letters readable in the page source.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>HTML-encodes a value for a text node or a quoted attribute.</summary>
    public static string Encode(string? value) => Encoder.Encode(value ?? string.Empty);

    /// <summary>A whole page: <paramref name="title"/> in the tab, <paramref name="service"/> and <paramref name="lead"/> in the header.</summary>
    /// <param name="bodyHtml">Markup for the main region, already encoded.</param>
    /// <param name="narrow">A narrow column (forms such as sign-in) instead of the full width.</param>
    public static string Render(string title, string service, string? lead, string bodyHtml, bool narrow = false)
    {
        var html = new StringBuilder(1024 + bodyHtml.Length);
        html.Append("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(Encode(title)).Append("</title>\n")
            .Append("<link rel=\"stylesheet\" href=\"").Append(OpenMssWebExtensions.StyleSheet).Append("\">\n")
            .Append("</head>\n<body>\n<header><p class=\"service\">").Append(Encode(service)).Append("</p>");
        if (lead is not null)
        {
            html.Append("<p>").Append(Encode(lead)).Append("</p>");
        }

        html.Append("</header>\n<main").Append(narrow ? " class=\"narrow\"" : string.Empty).Append(">\n")
            .Append(bodyHtml)
            .Append("\n</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>The page as an HTML result with the given status.</summary>
    public static IResult Result(string html, int statusCode = StatusCodes.Status200OK) =>
        Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, statusCode);
}
