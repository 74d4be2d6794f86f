using System.Globalization;
using System.Text;

namespace OpenMss.Directory.Testing;

/// <summary>
/// Generates synthetic <c>Extraction_Correspondance_MSSante</c> lines in the exact 31-column format:
/// personal mailboxes of pharmacists, doctors and nurses, organisational mailboxes of pharmacies and
/// hospitals, applicative and practice mailboxes, with valid identifier keys, accented names and
/// structures all over France (Corsica included). Deterministic for a seed. Shared by the tests and the
/// benchmark (linked into bench/OpenMss.Bench.Directory).
/// </summary>
public sealed class ExtractionGenerator
{
    private static readonly string[] LastNames =
    [
        "DUPONT", "MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU",
        "LAURENT", "SIMON", "MICHEL", "LEFÈVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL", "FOURNIER",
        "GIRARD", "BONNET", "DUPUIS", "LAMBERT", "FONTAINE", "ROUSSEAU", "VINCENT", "MÜLLER", "FAURE", "ANDRÉ",
        "MERCIER", "BLANC", "GUÉRIN", "BOYER", "GARNIER", "CHEVALIER", "FRANÇOIS", "LEGRAND", "GAUTHIER", "GARCIA",
        "PERRIN", "ROBIN", "CLÉMENT", "MORIN", "NICOLAS", "HENRY", "ROUSSEL", "MATHIEU", "GAUTIER", "MASSON",
        "MARCHAND", "DUVAL", "DENIS", "DUMONT", "MARIE", "LEMAIRE", "NOËL", "MEYER", "DUFOUR", "MEUNIER",
        "BRUN", "BLANCHARD", "GIRAUD", "JOLY", "RIVIÈRE", "LUCAS", "BRUNET", "GAILLARD", "BARBIER", "ARNAUD",
        "MARTINEZ", "GÉRARD", "ROCHE", "RENARD", "SCHMITT", "ROY", "LEROUX", "COLIN", "VIDAL", "CARON",
        "PICARD", "ROGER", "FABRE", "AUBERT", "LEMOINE", "RENAUD", "DUMAS", "LACROIX", "OLIVIER", "PHILIPPE",
        "BOURGEOIS", "PIERRE", "BENOÎT", "REY", "LECLERC", "PAYET", "ROLLAND", "LECLERCQ", "GUILLAUME", "LECOMTE",
    ];

    private static readonly string[] FirstNames =
    [
        "Hélène", "Jean", "Marie", "Pierre", "Françoise", "Jérôme", "Loïc", "Chloé", "Gaëlle", "Bénédicte",
        "Nathalie", "Isabelle", "Sylvie", "Philippe", "Michel", "Alain", "Patrick", "Nicolas", "Christophe", "Stéphane",
        "Sébastien", "Frédéric", "Céline", "Émilie", "Aurélie", "Élodie", "Jean-Marie", "Anne-Sophie", "Zoé", "Maël",
        "Léa", "Noémie", "Inès", "Agnès", "Thérèse", "Raphaël", "Joël", "Hervé", "Cécile", "Valérie",
    ];

    private static readonly (string Code, string Label, string Category, string Domain)[] Professions =
    [
        ("21", "Pharmacien", "C", "pharmacien.mssante.fr"),
        ("10", "Médecin", "C", "medecin.mssante.fr"),
        ("60", "Infirmier", "C", "infirmier.mssante.fr"),
        ("40", "Chirurgien-Dentiste", "C", "dentiste.mssante.fr"),
        ("50", "Sage-Femme", "C", "sagefemme.mssante.fr"),
        ("70", "Masseur-Kinésithérapeute", "C", "kine.mssante.fr"),
    ];

    private static readonly (string Department, string PostalPrefix, string Town)[] Places =
    [
        ("75", "750", "PARIS"), ("69", "690", "LYON"), ("13", "130", "MARSEILLE"), ("31", "310", "TOULOUSE"),
        ("06", "060", "NICE"), ("44", "440", "NANTES"), ("67", "670", "STRASBOURG"), ("34", "340", "MONTPELLIER"),
        ("33", "330", "BORDEAUX"), ("59", "590", "LILLE"), ("35", "350", "RENNES"), ("51", "510", "REIMS"),
        ("2A", "200", "AJACCIO"), ("2B", "202", "BASTIA"), ("971", "971", "POINTE-À-PITRE"), ("974", "974", "SAINT-DENIS"),
        ("01", "010", "BOURG-EN-BRESSE"), ("38", "380", "GRENOBLE"), ("63", "630", "CLERMONT-FERRAND"), ("29", "290", "BREST"),
    ];

    private static readonly string[] Syllables =
    [
        "ber", "mar", "tin", "lan", "dou", "gar", "ro", "vi", "del", "mon", "cha", "pel", "rou", "bes", "ca", "fa",
        "gui", "lo", "ne", "ri", "sau", "tel", "vau", "bo", "che", "dru", "fon", "jac", "lar", "mer", "pou", "quin",
    ];

    private readonly Random random;
    private readonly string[] surnames;
    private readonly double[] cumulative;
    private long serial;

    public ExtractionGenerator(int seed = 20240501)
    {
        random = new Random(seed);
        // Surnames as in France: a few very common ones (the list above first), then a long tail of rarer
        // ones, drawn with Zipf-like weights (the most common covers a few tenths of a percent of people).
        var names = new List<string>(LastNames);
        var tail = new Random(seed ^ 0x5A5A);
        var seen = new HashSet<string>(names, StringComparer.Ordinal);
        while (names.Count < 60_000)
        {
            var parts = 2 + tail.Next(3);
            var name = string.Concat(Enumerable.Range(0, parts).Select(_ => Syllables[tail.Next(Syllables.Length)])).ToUpperInvariant();
            if (seen.Add(name))
            {
                names.Add(name);
            }
        }

        surnames = [.. names];
        cumulative = new double[surnames.Length];
        var total = 0.0;
        for (var i = 0; i < surnames.Length; i++)
        {
            total += 1.0 / Math.Pow(i + 10, 0.9);
            cumulative[i] = total;
        }

        for (var i = 0; i < cumulative.Length; i++)
        {
            cumulative[i] /= total;
        }
    }

    private string Surname()
    {
        var index = Array.BinarySearch(cumulative, random.NextDouble());
        return surnames[Math.Min(index < 0 ? ~index : index, surnames.Length - 1)];
    }

    /// <summary>The header line.</summary>
    public static string Header => Extraction.ExtractionFormat.HeaderLine;

    /// <summary>Writes a file of <paramref name="lines"/> mailbox lines (header added) and returns its path.</summary>
    public void WriteFile(string path, int lines)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        writer.WriteLine(Header);
        for (var i = 0; i < lines; i++)
        {
            writer.WriteLine(NextLine());
        }
    }

    /// <summary>The next random line: 70 % PER, 20 % ORG, 5 % APP, 5 % CAB.</summary>
    public string NextLine()
    {
        var n = random.Next(100);
        return n < 70 ? Personal() : n < 90 ? Organisational() : n < 95 ? Applicative() : Practice();
    }

    /// <summary>A PER line for a professional working in a structure.</summary>
    public string Personal(string? lastName = null, string? firstName = null, int? professionIndex = null, string? rpps = null)
    {
        var profession = Professions[professionIndex ?? random.Next(Professions.Length)];
        var last = lastName ?? Surname();
        var first = firstName ?? FirstNames[random.Next(FirstNames.Length)];
        var number = rpps ?? Rpps();
        var address = $"{Local(first)}.{Local(last)}.{++serial}@{profession.Domain}";
        var (structure, place, postal) = Structure(profession.Code == "21" ? "PHARMACIE" : "CABINET");
        return Line(
            "PER", address, "8", number, "8" + number, StructureType(structure), structure.Identifier, string.Empty,
            profession.Code == "10" ? "DR" : "M", last, first, profession.Category, "Civil", profession.Code, profession.Label,
            profession.Code == "10" ? "SM54" : string.Empty, profession.Code == "10" ? "Médecine générale (SM)" : string.Empty,
            random.Next(2) == 0 ? "O" : "N", structure.Name, structure.Sign, postal, place);
    }

    /// <summary>An ORG line of a pharmacy or a hospital.</summary>
    public string Organisational()
    {
        var pharmacy = random.Next(2) == 0;
        var (structure, place, postal) = Structure(pharmacy ? "PHARMACIE" : "CENTRE HOSPITALIER");
        var domain = pharmacy ? "pharmacien.mssante.fr" : "ch-" + random.Next(1000).ToString(CultureInfo.InvariantCulture) + ".mssante.fr";
        var address = $"{(pharmacy ? "pharmacie" : "secretariat")}.{++serial}@{domain}";
        return Line("ORG", address, string.Empty, string.Empty, string.Empty, StructureType(structure), structure.Identifier,
            pharmacy ? string.Empty : "Accueil", string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty,
            string.Empty, string.Empty, "O", structure.Name, structure.Sign, postal, place);
    }

    private string Applicative()
    {
        var (structure, place, postal) = Structure("LABORATOIRE");
        return Line("APP", $"resultats.{++serial}@labo.mssante.fr", string.Empty, string.Empty, string.Empty, StructureType(structure), structure.Identifier,
            "Biologie", string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty,
            string.Empty, string.Empty, string.Empty, structure.Name, structure.Sign, postal, place);
    }

    private string Practice()
    {
        var (structure, place, postal) = Structure("CABINET MÉDICAL");
        return Line("CAB", $"cabinet.{++serial}@medecin.mssante.fr", string.Empty, string.Empty, string.Empty, StructureType(structure), structure.Identifier,
            string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty,
            string.Empty, string.Empty, "O", structure.Name, structure.Sign, postal, place);
    }

    private static string StructureType((string Identifier, string Name, string Sign) structure) => structure.Identifier.Length == 14 ? "3" : "1";

    private ((string Identifier, string Name, string Sign) Structure, (string Department, string PostalPrefix, string Town) Place, string Postal) Structure(string kind)
    {
        var place = Places[random.Next(Places.Length)];
        var postal = place.PostalPrefix + random.Next(place.PostalPrefix.Length == 3 ? 100 : 1000).ToString(place.PostalPrefix.Length == 3 ? "D2" : "D3", CultureInfo.InvariantCulture);
        var sign = $"{kind} {Surname()}";
        var identifier = random.Next(5) == 0 ? Siret() : Finess(place.Department);
        var legalForm = random.Next(4) switch { 0 => "SELARL ", 1 => "SARL ", 2 => "SCM ", _ => string.Empty };
        return ((identifier, legalForm + sign, sign), place, postal);
    }

    private static string Line(
        string kind, string address, string ppType, string ppId, string idNat, string stType, string stId, string service,
        string civility, string last, string first, string category, string categoryLabel, string professionCode, string professionLabel,
        string skillCode, string skillLabel, string dematerialisation, string name, string sign, string postal,
        (string Department, string PostalPrefix, string Town) place)
    {
        string[] fields =
        [
            kind, address, ppType, ppId, idNat, stType, stId, service, civility, last, first, category, categoryLabel,
            professionCode, professionLabel, skillCode, skillLabel, dematerialisation, name, sign,
            string.Empty, string.Empty, "12", string.Empty, "R", "DE LA RÉPUBLIQUE", string.Empty,
            postal + " " + place.Town, postal, place.Department, "FRANCE",
        ];
        return string.Join('|', fields);
    }

    /// <summary>A random RPPS number with a valid Luhn key.</summary>
    public string Rpps() => WithLuhn("1" + Digits(9));

    /// <summary>A random SIRET with a valid Luhn key.</summary>
    public string Siret() => WithLuhn(Digits(13));

    /// <summary>A random FINESS of a département with a valid key (Corsica: key computed with 20 in place of 2A/2B).</summary>
    public string Finess(string department)
    {
        var prefix = department.Length == 3 ? department[..2] : department;
        var body = prefix + Digits(6);
        if (prefix is "2A" or "2B")
        {
            var key = WithLuhn("20" + body[2..])[^1];
            return body + key;
        }

        return WithLuhn(body);
    }

    private string Digits(int count)
    {
        var builder = new StringBuilder(count);
        for (var i = 0; i < count; i++)
        {
            builder.Append((char)('0' + random.Next(10)));
        }

        return builder.ToString();
    }

    /// <summary>Appends the Luhn check digit to <paramref name="body"/>.</summary>
    public static string WithLuhn(string body)
    {
        var sum = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var digit = body[body.Length - 1 - i] - '0';
            if (i % 2 == 0)
            {
                digit *= 2;
                if (digit > 9)
                {
                    digit -= 9;
                }
            }

            sum += digit;
        }

        return body + (char)('0' + ((10 - (sum % 10)) % 10));
    }

    /// <summary>Changes the last digit so that the Luhn key fails.</summary>
    public static string BreakKey(string number) => number[..^1] + (char)('0' + ((number[^1] - '0' + 1) % 10));

    private static string Local(string name)
    {
        var normalized = SearchText.Normalize(name).Replace(' ', '-');
        return normalized.Length == 0 ? "x" : normalized;
    }
}
