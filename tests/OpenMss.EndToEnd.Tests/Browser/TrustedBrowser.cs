using System.Diagnostics;
using Microsoft.Playwright;

namespace OpenMss.EndToEnd.Tests.Browser;

/// <summary>
/// Debian's Chromium, headless, driven by Playwright (no browser download), trusting certificate
/// authorities the way a browser on Linux does: through the NSS database of its user
/// (<c>$HOME/.pki/nssdb</c>), here under a temporary HOME of its own. Certificate errors are never
/// ignored: a server whose certificate does not chain to one of those authorities fails to load.
/// </summary>
public sealed class TrustedBrowser : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly DirectoryInfo _home;
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private TrustedBrowser(DirectoryInfo home, IPlaywright playwright, IBrowser browser)
    {
        _home = home;
        _playwright = playwright;
        _browser = browser;
    }

    /// <summary>Starts a browser whose NSS store trusts the given authorities (PEM files) for TLS servers.</summary>
    public static async Task<TrustedBrowser> LaunchAsync(params string[] trustedAuthorityPemFiles)
    {
        Assert.True(File.Exists(Chromium), "Chromium is missing: run ./test.sh, which installs Debian's chromium package.");
        var home = System.IO.Directory.CreateTempSubdirectory("openmss-browser-home-");
        try
        {
            var database = "sql:" + System.IO.Directory.CreateDirectory(Path.Combine(home.FullName, ".pki", "nssdb")).FullName;
            await CertutilAsync("-N", "-d", database, "--empty-password");
            for (var i = 0; i < trustedAuthorityPemFiles.Length; i++)
            {
                // "C,,": a trusted authority for TLS server certificates only (not mail, not code).
                await CertutilAsync("-A", "-d", database, "-t", "C,,", "-n", $"openmss-test-authority-{i}", "-i", trustedAuthorityPemFiles[i]);
            }

            var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty);
            environment["HOME"] = home.FullName;
            var playwright = await Playwright.CreateAsync();
            try
            {
                var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
                {
                    ExecutablePath = Chromium,
                    Headless = true,
                    Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
                    Env = environment,
                });
                return new TrustedBrowser(home, playwright, browser);
            }
            catch
            {
                playwright.Dispose();
                throw;
            }
        }
        catch
        {
            home.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>A new French-speaking browsing context (its own cookies).</summary>
    public Task<IBrowserContext> NewContextAsync() => _browser.NewContextAsync(new BrowserNewContextOptions { Locale = "fr-FR" });

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        _home.Delete(recursive: true);
    }

    private static async Task CertutilAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("certutil") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("certutil is missing: run ./test.sh, which installs Debian's libnss3-tools package.", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"certutil {string.Join(' ', arguments)}: {await output}{await error}");
        }
    }
}
