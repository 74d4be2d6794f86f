using System.Text;
using OpenMss.Testing;
using OpenMss.Trust;
using TrustWhitelist = OpenMss.Trust.Whitelist;

namespace OpenMss.Trust.Tests.Whitelist;

public sealed class WhitelistSourceTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "openmss-wl-" + Guid.NewGuid().ToString("N"));

    public WhitelistSourceTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Domain_removed_from_the_file_is_refused_after_the_next_refresh()
    {
        var path = Path.Combine(_directory, "listeblanche.xml");
        await File.WriteAllTextAsync(path, TrustWhitelist.ToXml(["pharmacien.mssante.fr", "medecin.mssante.fr"]));
        using var source = new WhitelistSource(path, TimeSpan.FromHours(1));
        Assert.False(source.Contains("pharmacien.mssante.fr"));

        Assert.True(await source.RefreshAsync());
        Assert.True(source.Contains("pharmacien.mssante.fr"));
        Assert.True(source.Contains("medecin.mssante.fr"));

        await File.WriteAllTextAsync(path, TrustWhitelist.ToXml(["medecin.mssante.fr"]));
        Assert.True(await source.RefreshAsync());

        Assert.False(source.Contains("pharmacien.mssante.fr"));
        Assert.True(source.Contains("medecin.mssante.fr"));
    }

    [Fact]
    public async Task A_broken_or_missing_file_keeps_the_last_good_whitelist()
    {
        var path = Path.Combine(_directory, "listeblanche.xml");
        await File.WriteAllTextAsync(path, TrustWhitelist.ToXml(["medecin.mssante.fr"]));
        using var source = new WhitelistSource(new Uri(path).AbsoluteUri, TimeSpan.FromHours(1));
        Assert.True(await source.RefreshAsync());

        await File.WriteAllTextAsync(path, "<ListeBlancheMSSante xmlns=\"https://listeblanche.mssante.fr/schema\"><trunc");
        Assert.False(await source.RefreshAsync());
        Assert.True(source.Contains("medecin.mssante.fr"));

        File.Delete(path);
        Assert.False(await source.RefreshAsync());
        Assert.True(source.Contains("medecin.mssante.fr"));
    }

    [Fact]
    public async Task Nothing_is_whitelisted_until_a_first_good_load()
    {
        using var source = new WhitelistSource(Path.Combine(_directory, "absent.xml"), TimeSpan.FromHours(1));

        Assert.False(await source.StartAsync());

        Assert.False(source.Contains("medecin.mssante.fr"));
        Assert.Empty(source.Current.Domains);
        Assert.Null(source.LastRefreshed);
    }

    [Fact]
    public async Task Started_source_refreshes_by_itself_every_period()
    {
        var path = Path.Combine(_directory, "listeblanche.xml");
        await File.WriteAllTextAsync(path, TrustWhitelist.ToXml(["pharmacien.mssante.fr"]));
        await using var source = new WhitelistSource(path, TimeSpan.FromMilliseconds(100));
        Assert.True(await source.StartAsync());
        Assert.True(source.Contains("pharmacien.mssante.fr"));

        await File.WriteAllTextAsync(path, TrustWhitelist.ToXml(["medecin.mssante.fr"]));

        await Eventually.WaitUntilAsync(() => !source.Contains("pharmacien.mssante.fr"), "the periodic refresh");

        Assert.False(source.Contains("pharmacien.mssante.fr"));
        Assert.True(source.Contains("medecin.mssante.fr"));
    }

    [Theory]
    [InlineData("http://annuaire.mssante.fr/listeblanchemssante.xml")]
    [InlineData("http://192.0.2.10:8080/listeblanchemssante.xml")]
    public void A_whitelist_over_plain_http_from_another_host_is_refused_as_it_has_no_integrity(string location)
    {
        var refused = Assert.Throws<ArgumentException>(() => new WhitelistSource(location, TimeSpan.FromHours(1)));
        Assert.Contains("https", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Whitelist_is_fetched_over_http_and_refreshed()
    {
        await using var server = new TinyHttpServer { Body = Encoding.UTF8.GetBytes(TrustWhitelist.ToXml(["pharmacien.mssante.fr", "medecin.mssante.fr"])) };
        using var source = new WhitelistSource(server.Url(), TimeSpan.FromHours(1));

        Assert.True(await source.RefreshAsync());
        Assert.True(source.Contains("pharmacien.mssante.fr"));

        Assert.True(await source.RefreshAsync());
        Assert.Equal(1, server.NotModifiedAnswers);
        Assert.True(source.Contains("pharmacien.mssante.fr"));

        server.Body = Encoding.UTF8.GetBytes(TrustWhitelist.ToXml(["medecin.mssante.fr"]));
        Assert.True(await source.RefreshAsync());
        Assert.False(source.Contains("pharmacien.mssante.fr"));
        Assert.True(source.Contains("medecin.mssante.fr"));

        server.Status = 503;
        Assert.False(await source.RefreshAsync());
        Assert.True(source.Contains("medecin.mssante.fr"));

        server.Status = 200;
        server.Body = Encoding.UTF8.GetBytes("<html>maintenance</html>");
        Assert.False(await source.RefreshAsync());
        Assert.True(source.Contains("medecin.mssante.fr"));
    }

    [Fact]
    public async Task Https_server_certified_by_the_trust_anchor_is_accepted()
    {
        var annuaire = TestPki.Authority.IssueOperatorCertificate("Annuaire", ["localhost"]);
        await using var server = new TinyHttpServer(annuaire.Certificate) { Body = Encoding.UTF8.GetBytes(TrustWhitelist.ToXml(["medecin.mssante.fr"])) };
        using var source = new WhitelistSource(server.Url("localhost"), TimeSpan.FromHours(1), TestPki.Anchor);

        Assert.True(await source.RefreshAsync());

        Assert.True(source.Contains("medecin.mssante.fr"));
    }

    [Fact]
    public async Task Https_server_from_another_authority_is_refused_and_the_list_is_kept()
    {
        var impostor = TestPki.ForeignAuthority.IssueOperatorCertificate("Faux annuaire", ["localhost"]);
        await using var server = new TinyHttpServer(impostor.Certificate) { Body = Encoding.UTF8.GetBytes(TrustWhitelist.ToXml(["pirate.mssante.fr"])) };
        using var source = new WhitelistSource(server.Url("localhost"), TimeSpan.FromHours(1), TestPki.Anchor);

        Assert.False(await source.RefreshAsync());

        Assert.False(source.Contains("pirate.mssante.fr"));
    }

    [Fact]
    public async Task Https_server_naming_another_host_is_refused()
    {
        await using var server = new TinyHttpServer(TestPki.Medecin.Certificate) { Body = Encoding.UTF8.GetBytes(TrustWhitelist.ToXml(["pirate.mssante.fr"])) };
        using var source = new WhitelistSource(server.Url("localhost"), TimeSpan.FromHours(1), TestPki.Anchor);

        Assert.False(await source.RefreshAsync());
        Assert.Empty(source.Current.Domains);
    }

    [Fact]
    public async Task Test_pki_whitelist_file_lists_the_two_operators_and_not_the_pirate()
    {
        var path = TestPki.WriteWhitelist(Path.Combine(_directory, "default", "listeblanche.xml"));
        using var source = new WhitelistSource(path, TimeSpan.FromHours(1));

        Assert.True(await source.RefreshAsync());

        Assert.True(source.Contains(TestPki.PharmacienDomain));
        Assert.True(source.Contains(TestPki.MedecinDomain));
        Assert.False(source.Contains(TestPki.PirateDomain));
    }
}
