using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace OpenMss.Trust;

/// <summary>Answers whether a domain belongs to the trust space.</summary>
public interface IWhitelist
{
    /// <summary>Whether <paramref name="domain"/> is on the whitelist (case-insensitive, IDN in either form).</summary>
    bool Contains(string domain);
}

/// <summary>
/// One <c>Domaine</c> element of the whitelist: the domain and what the official document says about
/// it (the same domain may appear once per operator certificate that serves it).
/// </summary>
/// <param name="Domain">The domain as written in <c>Nom</c>.</param>
/// <param name="Description"><c>Description</c>.</param>
/// <param name="OperatorCertificateDn"><c>DNCertificatOperateur</c>: subject DN of the operator certificate serving the domain.</param>
/// <param name="ResponsibleContact"><c>ResponsableContact</c>.</param>
/// <param name="SupportContact"><c>SupportContact</c>.</param>
/// <param name="UpdatedAt"><c>DateMAJ</c>.</param>
public sealed record WhitelistEntry(
    string Domain,
    string? Description = null,
    string? OperatorCertificateDn = null,
    string? ResponsibleContact = null,
    string? SupportContact = null,
    DateTimeOffset? UpdatedAt = null);

/// <summary>The whitelist document is not a well-formed <c>ListeBlancheMSSante</c> document.</summary>
public sealed class WhitelistFormatException : FormatException
{
    public WhitelistFormatException()
    {
    }

    public WhitelistFormatException(string message)
        : base(message)
    {
    }

    public WhitelistFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// An immutable snapshot of the trust space whitelist (<i>liste blanche</i>, ANS,
/// MSSanté référentiel #2, operator), in the shape the ANS publishes at <c>listeblanchemssante.xml</c>:
/// <code>
/// &lt;ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"&gt;
///   &lt;DateDeGeneration&gt;2025-03-13T14:54:10Z&lt;/DateDeGeneration&gt;
///   &lt;ListeDomaines&gt;
///     &lt;Domaine&gt;
///       &lt;Nom&gt;pharmacien.mssante.fr&lt;/Nom&gt;
///       &lt;Description&gt;…&lt;/Description&gt;
///       &lt;DNCertificatOperateur&gt;CN=…,O=…,C=FR&lt;/DNCertificatOperateur&gt;
///       &lt;ResponsableContact&gt;…&lt;/ResponsableContact&gt;
///       &lt;SupportContact&gt;…&lt;/SupportContact&gt;
///       &lt;DateMAJ&gt;2025-03-13T14:54:10Z&lt;/DateMAJ&gt;
///     &lt;/Domaine&gt;
///   &lt;/ListeDomaines&gt;
/// &lt;/ListeBlancheMSSante&gt;
/// </code>
/// Domains compare case-insensitively, an internationalised domain in U-labels equal to its A-labels.
/// </summary>
public sealed class Whitelist : IWhitelist
{
    /// <summary>The XML namespace of the official document.</summary>
    public const string Namespace = "https://listeblanche.mssante.fr/schema";

    private static readonly XNamespace Ns = Namespace;
    private static readonly XName RootName = Ns + "ListeBlancheMSSante";
    private static readonly XName GeneratedName = Ns + "DateDeGeneration";
    private static readonly XName ListName = Ns + "ListeDomaines";
    private static readonly XName DomainName = Ns + "Domaine";
    private static readonly XName NameName = Ns + "Nom";
    private static readonly XName DescriptionName = Ns + "Description";
    private static readonly XName DnName = Ns + "DNCertificatOperateur";
    private static readonly XName ResponsibleName = Ns + "ResponsableContact";
    private static readonly XName SupportName = Ns + "SupportContact";
    private static readonly XName UpdatedName = Ns + "DateMAJ";

    private readonly Dictionary<string, List<WhitelistEntry>> _byDomain;

    private Whitelist(IReadOnlyList<WhitelistEntry> entries, DateTimeOffset? generatedAt, IReadOnlyList<string> invalidNames)
    {
        Entries = entries;
        GeneratedAt = generatedAt;
        InvalidNames = invalidNames;
        _byDomain = new Dictionary<string, List<WhitelistEntry>>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var key = DomainNames.ToAscii(entry.Domain);
            if (!_byDomain.TryGetValue(key, out var list))
            {
                _byDomain[key] = list = [];
            }

            list.Add(entry);
        }
    }

    /// <summary>A whitelist with no domain: everything is refused.</summary>
    public static Whitelist Empty { get; } = new([], null, []);

    /// <summary><c>DateDeGeneration</c>, when the document has one.</summary>
    public DateTimeOffset? GeneratedAt { get; }

    /// <summary>Every <c>Domaine</c> entry, in document order.</summary>
    public IReadOnlyList<WhitelistEntry> Entries { get; }

    /// <summary>The distinct domains, as lower-case A-labels.</summary>
    public IReadOnlyCollection<string> Domains => _byDomain.Keys;

    /// <summary><c>Nom</c> values that are not domain names; they were left out (the source logs them).</summary>
    public IReadOnlyList<string> InvalidNames { get; }

    public bool Contains(string domain) => DomainNames.TryToAscii(domain, out var ascii) && _byDomain.ContainsKey(ascii);

    /// <summary>The entries for a domain (one per operator certificate serving it); empty when not listed.</summary>
    public IReadOnlyList<WhitelistEntry> EntriesFor(string domain) =>
        DomainNames.TryToAscii(domain, out var ascii) && _byDomain.TryGetValue(ascii, out var list) ? list : [];

    /// <summary>Builds a whitelist from domain names.</summary>
    /// <exception cref="ArgumentException">A name is not a domain name.</exception>
    public static Whitelist Create(IEnumerable<string> domains, DateTimeOffset? generatedAt = null)
    {
        ArgumentNullException.ThrowIfNull(domains);
        return Create(domains.Select(d => new WhitelistEntry(d.Trim())), generatedAt);
    }

    /// <summary>Builds a whitelist from entries.</summary>
    /// <exception cref="ArgumentException">A name is not a domain name.</exception>
    public static Whitelist Create(IEnumerable<WhitelistEntry> entries, DateTimeOffset? generatedAt = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var list = entries.ToList();
        foreach (var entry in list)
        {
            _ = DomainNames.ToAscii(entry.Domain);
        }

        return new Whitelist(list, generatedAt, []);
    }

    /// <summary>Parses the official XML document.</summary>
    /// <exception cref="WhitelistFormatException">Not well-formed XML, or not a <c>ListeBlancheMSSante</c> document in the official namespace.</exception>
    public static Whitelist Parse(Stream xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };

        XDocument document;
        try
        {
            using var reader = XmlReader.Create(xml, settings);
            document = XDocument.Load(reader);
        }
        catch (XmlException ex)
        {
            throw new WhitelistFormatException($"The whitelist is not well-formed XML: {ex.Message}", ex);
        }

        var root = document.Root!;
        if (root.Name != RootName)
        {
            throw new WhitelistFormatException(
                $"The whitelist root element is {{{root.Name.NamespaceName}}}{root.Name.LocalName}; expected ListeBlancheMSSante in namespace {Namespace}.");
        }

        var entries = new List<WhitelistEntry>();
        var invalid = new List<string>();
        foreach (var element in root.Elements(ListName).Elements(DomainName))
        {
            var name = element.Element(NameName)?.Value.Trim();
            if (string.IsNullOrEmpty(name) || !DomainNames.TryToAscii(name, out _))
            {
                invalid.Add(name ?? string.Empty);
                continue;
            }

            entries.Add(new WhitelistEntry(
                name,
                Text(element, DescriptionName),
                Text(element, DnName),
                Text(element, ResponsibleName),
                Text(element, SupportName),
                Date(element.Element(UpdatedName))));
        }

        return new Whitelist(entries, Date(root.Element(GeneratedName)), invalid);
    }

    /// <summary>Parses the official XML document from text.</summary>
    public static Whitelist Parse(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));
        return Parse(stream);
    }

    /// <summary>Writes the official XML document (UTF-8) listing <paramref name="domains"/>, dated <paramref name="updatedAt"/> (now by default).</summary>
    public static void Write(Stream output, IEnumerable<string> domains, DateTimeOffset? updatedAt = null) =>
        Create(domains, updatedAt ?? TimeProvider.System.GetUtcNow()).WriteTo(output);

    /// <summary>The official XML document listing <paramref name="domains"/>, dated <paramref name="updatedAt"/> (now by default).</summary>
    public static string ToXml(IEnumerable<string> domains, DateTimeOffset? updatedAt = null) =>
        Create(domains, updatedAt ?? TimeProvider.System.GetUtcNow()).ToXml();

    /// <summary>Writes this whitelist as the official XML document (UTF-8, no BOM).</summary>
    public void WriteTo(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true };
        using var writer = XmlWriter.Create(output, settings);
        ToDocument().Save(writer);
    }

    /// <summary>This whitelist as the official XML document.</summary>
    public string ToXml()
    {
        using var stream = new MemoryStream();
        WriteTo(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private XDocument ToDocument()
    {
        var list = new XElement(ListName);
        foreach (var entry in Entries)
        {
            var element = new XElement(DomainName, new XElement(NameName, entry.Domain));
            Add(element, DescriptionName, entry.Description);
            Add(element, DnName, entry.OperatorCertificateDn);
            Add(element, ResponsibleName, entry.ResponsibleContact);
            Add(element, SupportName, entry.SupportContact);
            Add(element, UpdatedName, entry.UpdatedAt is { } updated ? Format(updated) : null);
            list.Add(element);
        }

        var root = new XElement(RootName);
        if (GeneratedAt is { } generated)
        {
            root.Add(new XElement(GeneratedName, Format(generated)));
        }

        root.Add(list);
        return new XDocument(new XDeclaration("1.0", "UTF-8", null), root);
    }

    private static void Add(XElement parent, XName name, string? value)
    {
        if (value is not null)
        {
            parent.Add(new XElement(name, value));
        }
    }

    private static string? Text(XElement parent, XName name) => parent.Element(name)?.Value.Trim();

    private static string Format(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset? Date(XElement? element) =>
        element is not null && DateTimeOffset.TryParse(element.Value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : null;
}
