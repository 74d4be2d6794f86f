using Microsoft.Playwright;

namespace OpenMss.EndToEnd.Tests;

/// <summary>
/// The directory's French search page in a real browser (Debian's Chromium, headless, driven by
/// Playwright; no browser download): a pharmacist looks for a colleague's MSSanté address.
/// </summary>
public sealed class BrowserTests : DemoTestBase
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task A_professional_finds_a_colleagues_address_on_the_directory_search_page()
    {
        Assert.True(File.Exists(Chromium), "Chromium is missing: run ./test.sh, which installs Debian's chromium package.");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });

        // The directory's certificate comes from the demo's own authority, which the browser does not know.
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true, Locale = "fr-FR" });
        var page = await context.NewPageAsync();
        var directory = Contract.GetProperty("directory").GetProperty("url").GetString()!;
        await page.GotoAsync(directory + "/recherche");
        Assert.Equal("fr", await page.GetAttributeAsync("html", "lang"));

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
}
