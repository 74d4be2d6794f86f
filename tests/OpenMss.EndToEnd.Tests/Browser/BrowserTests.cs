using Microsoft.Playwright;
using OpenMss.Trust;

namespace OpenMss.EndToEnd.Tests.Browser;

/// <summary>
/// The directory's French search page in a real browser that trusts the demo's authority through
/// its NSS store, as a professional's browser would once the authority is installed.
/// </summary>
public sealed class BrowserTests : DemoTestBase
{
    [Fact]
    public async Task A_professional_finds_a_colleagues_address_on_the_directory_search_page_over_https()
    {
        await using var browser = await TrustedBrowser.LaunchAsync(Contract.GetProperty("trustAnchor").GetString()!);
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var directory = Contract.GetProperty("directory").GetProperty("url").GetString()!;
        Assert.StartsWith("https://", directory, StringComparison.Ordinal);
        var response = await page.GotoAsync(directory + "/recherche");
        Assert.Equal(200, response!.Status);
        Assert.Equal("fr", await page.GetAttributeAsync("html", "lang"));

        // The layout's style sheet is served by the directory itself (no CDN) and applied.
        var stylesheet = await page.GetAttributeAsync("link[rel=stylesheet]", "href");
        Assert.StartsWith("/_openmss/", stylesheet, StringComparison.Ordinal);
        var headerColour = await page.EvalOnSelectorAsync<string>("header", "e => getComputedStyle(e).backgroundColor");
        Assert.Equal("rgb(0, 0, 145)", headerColour);

        await page.GetByLabel("Nom ou raison sociale").FillAsync("martin");
        await page.GetByLabel("Commune").FillAsync("paris");
        await page.GetByRole(AriaRole.Button, new() { Name = "Rechercher" }).ClickAsync();

        await Assertions.Expect(page.GetByText("claire.martin@pharmacien.mssante.fr")).ToBeVisibleAsync();
        Assert.DoesNotContain("jean.dupont@medecin.mssante.fr", await page.ContentAsync(), StringComparison.Ordinal);

        // Accents and case do not matter: « LÉA » finds Léa Petit.
        await page.GetByLabel("Nom ou raison sociale").FillAsync("LÉA");
        await page.GetByLabel("Commune").FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Rechercher" }).ClickAsync();
        await Assertions.Expect(page.GetByText("lea.petit@pharmacien.mssante.fr")).ToBeVisibleAsync();

        var screenshots = Environment.GetEnvironmentVariable("OPENMSS_SCREENSHOTS");
        if (!string.IsNullOrEmpty(screenshots))
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "annuaire-recherche.png"), FullPage = true });
        }
    }

    [Fact]
    public async Task A_browser_that_trusts_another_authority_refuses_the_directory_with_a_certificate_error()
    {
        var other = Path.Combine(Demo.DataDirectory, "other-ca.pem");
        using (var foreign = CertificateAuthority.Create("Autorité étrangère"))
        {
            await File.WriteAllTextAsync(other, foreign.CertificatePem);
        }

        await using var browser = await TrustedBrowser.LaunchAsync(other);
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var directory = Contract.GetProperty("directory").GetProperty("url").GetString()!;

        var error = await Assert.ThrowsAsync<PlaywrightException>(() => page.GotoAsync(directory + "/recherche"));
        Assert.Contains("ERR_CERT_AUTHORITY_INVALID", error.Message, StringComparison.Ordinal);
    }
}
