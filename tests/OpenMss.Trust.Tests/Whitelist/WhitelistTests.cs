using System.Text;
using System.Xml.Linq;
using OpenMss.Trust;
using TrustWhitelist = OpenMss.Trust.Whitelist;

namespace OpenMss.Trust.Tests.Whitelist;

public sealed class WhitelistTests
{
    private const string Official = """
        <?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema">
            <DateDeGeneration>2025-03-13T14:54:10Z</DateDeGeneration>
            <ListeDomaines>
                <Domaine>
                    <Nom>UC-CMP.mssante.fr</Nom>
                    <Description>UC-CMP</Description>
                    <DNCertificatOperateur>CN=relay-1.example.fr,OU=123,O=EXEMPLE,ST=Paris (75),C=FR</DNCertificatOperateur>
                    <ResponsableContact>01 02 03 04 05, contact@example.fr</ResponsableContact>
                    <SupportContact>01 02 03 04 06, support@example.fr</SupportContact>
                    <DateMAJ>2025-03-13T14:54:10Z</DateMAJ>
                </Domaine>
                <Domaine>
                    <Nom>15-20.mssante.fr</Nom>
                    <DNCertificatOperateur>CN=smtp-1.example.fr,O=A,C=FR</DNCertificatOperateur>
                </Domaine>
                <Domaine>
                    <Nom>15-20.mssante.fr</Nom>
                    <DNCertificatOperateur>CN=smtp-2.example.fr,O=B,C=FR</DNCertificatOperateur>
                </Domaine>
                <Domaine>
                    <Nom>pédiatre.mssante.fr</Nom>
                </Domaine>
            </ListeDomaines>
        </ListeBlancheMSSante>
        """;

    [Fact]
    public void Official_document_is_read_with_every_field()
    {
        var whitelist = TrustWhitelist.Parse(Official);

        Assert.Equal(new DateTimeOffset(2025, 3, 13, 14, 54, 10, TimeSpan.Zero), whitelist.GeneratedAt);
        Assert.Equal(4, whitelist.Entries.Count);
        Assert.Equal(["15-20.mssante.fr", "uc-cmp.mssante.fr", "xn--pdiatre-bya.mssante.fr"], whitelist.Domains.Order(StringComparer.Ordinal));
        var first = whitelist.Entries[0];
        Assert.Equal("UC-CMP.mssante.fr", first.Domain);
        Assert.Equal("UC-CMP", first.Description);
        Assert.Equal("CN=relay-1.example.fr,OU=123,O=EXEMPLE,ST=Paris (75),C=FR", first.OperatorCertificateDn);
        Assert.Equal("01 02 03 04 05, contact@example.fr", first.ResponsibleContact);
        Assert.Equal("01 02 03 04 06, support@example.fr", first.SupportContact);
        Assert.Equal(new DateTimeOffset(2025, 3, 13, 14, 54, 10, TimeSpan.Zero), first.UpdatedAt);
        Assert.Equal(2, whitelist.EntriesFor("15-20.MSSANTE.FR").Count);
    }

    [Theory]
    [InlineData("uc-cmp.mssante.fr", true)]
    [InlineData("UC-CMP.MSSANTE.FR", true)]
    [InlineData("uc-cmp.mssante.fr.", true)]
    [InlineData("pédiatre.mssante.fr", true)]
    [InlineData("PÉDIATRE.mssante.fr", true)]
    [InlineData("xn--pdiatre-bya.mssante.fr", true)]
    [InlineData("pediatre.mssante.fr", false)]
    [InlineData("mssante.fr", false)]
    [InlineData("evil.uc-cmp.mssante.fr", false)]
    [InlineData("", false)]
    public void Contains_is_case_insensitive_and_idn_aware(string domain, bool expected)
    {
        Assert.Equal(expected, TrustWhitelist.Parse(Official).Contains(domain));
    }

    [Fact]
    public void Written_document_has_the_official_shape_and_reads_back()
    {
        var xml = TrustWhitelist.ToXml(["pharmacien.mssante.fr", "médecin.mssante.fr"]);

        var document = XDocument.Parse(xml);
        XNamespace ns = "https://listeblanche.mssante.fr/schema";
        Assert.Equal(ns + "ListeBlancheMSSante", document.Root!.Name);
        Assert.NotNull(document.Root.Element(ns + "DateDeGeneration"));
        var names = document.Root.Element(ns + "ListeDomaines")!.Elements(ns + "Domaine").Select(d => d.Element(ns + "Nom")!.Value);
        Assert.Equal(["pharmacien.mssante.fr", "médecin.mssante.fr"], names);

        var back = TrustWhitelist.Parse(xml);
        Assert.True(back.Contains("PHARMACIEN.mssante.fr"));
        Assert.True(back.Contains("xn--mdecin-bva.mssante.fr"));
        Assert.Equal(2, back.Domains.Count);
    }

    [Fact]
    public void Entries_round_trip_with_their_fields()
    {
        var entry = new WhitelistEntry("a.mssante.fr", "Desc", "CN=a,O=A,C=FR", "resp", "support", new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var original = TrustWhitelist.Create([entry], new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

        using var stream = new MemoryStream();
        original.WriteTo(stream);
        stream.Position = 0;
        var back = TrustWhitelist.Parse(stream);

        Assert.Equal(entry, Assert.Single(back.Entries));
        Assert.Equal(original.GeneratedAt, back.GeneratedAt);
        Assert.False(Encoding.UTF8.GetString(stream.ToArray()).StartsWith('\uFEFF'));
    }

    [Theory]
    [InlineData("<ListeBlancheMSSante xmlns=\"https://listeblanche.mssante.fr/schema\"><ListeDomaines>")]
    [InlineData("not xml at all")]
    [InlineData("")]
    public void Malformed_xml_is_rejected(string xml)
    {
        var error = Assert.Throws<WhitelistFormatException>(() => TrustWhitelist.Parse(xml));
        Assert.Contains("not well-formed XML", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<ListeBlancheMSSante><ListeDomaines><Domaine><Nom>a.mssante.fr</Nom></Domaine></ListeDomaines></ListeBlancheMSSante>")]
    [InlineData("<ListeBlancheMSSante xmlns=\"https://example.org/other\"><ListeDomaines/></ListeBlancheMSSante>")]
    [InlineData("<Autre xmlns=\"https://listeblanche.mssante.fr/schema\"/>")]
    public void Wrong_root_or_namespace_is_rejected(string xml)
    {
        var error = Assert.Throws<WhitelistFormatException>(() => TrustWhitelist.Parse(xml));
        Assert.Contains("https://listeblanche.mssante.fr/schema", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_document_type_declaration_is_refused()
    {
        const string xml = """
            <?xml version="1.0"?>
            <!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
            <ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><ListeDomaines><Domaine><Nom>&e;</Nom></Domaine></ListeDomaines></ListeBlancheMSSante>
            """;

        Assert.Throws<WhitelistFormatException>(() => TrustWhitelist.Parse(xml));
    }

    [Fact]
    public void Names_that_are_not_domains_are_left_out_and_reported()
    {
        const string xml = """
            <ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><ListeDomaines>
              <Domaine><Nom>ok.mssante.fr</Nom></Domaine>
              <Domaine><Nom>bad..name</Nom></Domaine>
              <Domaine><Nom></Nom></Domaine>
            </ListeDomaines></ListeBlancheMSSante>
            """;

        var whitelist = TrustWhitelist.Parse(xml);

        Assert.Equal(["ok.mssante.fr"], whitelist.Domains);
        Assert.Equal(2, whitelist.InvalidNames.Count);
        Assert.False(whitelist.Contains("bad..name"));
    }
}
