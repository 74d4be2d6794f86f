using OpenMss.Core;
using OpenMss.Core.Identifiers;
using OpenMss.Directory.Client;

namespace OpenMss.Demo;

/// <summary>A mailbox of the demo, with the person or software that uses it.</summary>
/// <param name="Role">pharmacist | technician | doctor | application, or null for a structure's mailbox.</param>
/// <param name="Publication">What the operator publishes about it in the national directory.</param>
public sealed record DemoMailbox(string Address, MailboxKind Kind, string DisplayName, string? Role = null, string? Rpps = null, MailboxPublication? Publication = null);

/// <summary>
/// A patient of the demo's patient space (fictitious; the INS is built from a NIR with its key computed).
/// <paramref name="PersonalEmail"/> is the address chosen at activation (activated patients only).
/// </summary>
public sealed record DemoPatient(InsMatricule Ins, string GivenNames, string FamilyName, DateOnly BirthDate, string InsurerEmail, string CardSerial, string Status, string? PersonalEmail = null);

/// <summary>An operator of the demo trust space.</summary>
public sealed record DemoOperator(string Id, string Name, string Domain, IReadOnlyList<DemoMailbox> Mailboxes);

/// <summary>
/// Who is in the demo trust space (README, "The demo"): a pharmacy with its organisational mailbox, two
/// pharmacists and a technician on one operator; a doctor and a laboratory's applicative
/// mailbox on another. RPPS numbers are fictitious but carry valid Luhn keys.
/// </summary>
public static class DemoCatalogue
{
    public const string PharmacyDomain = "pharmacien.mssante.fr";
    public const string DoctorDomain = "medecin.mssante.fr";

    /// <summary>The public OpenID Connect client mail software uses in the demo (password grant allowed).</summary>
    public const string MailClientId = "openmss-mail";

    /// <summary>The confidential client with which the operators' mail servers introspect access tokens (RFC 7662).</summary>
    public const string IntrospectionClientId = "openmss-operators";

    /// <summary>The idNat_PS of a professional: <c>8</c> + RPPS.</summary>
    public static string IdNatPsOf(DemoMailbox person) => "8" + person.Rpps;

    /// <summary>A demo password, written in demo.json: <c>demo-</c> + the local part of the address.</summary>
    public static string PasswordOf(DemoMailbox person) => "demo-" + person.Address[..person.Address.IndexOf('@', StringComparison.Ordinal)];

    /// <summary>
    /// The one-time-code secret (RFC 6238, base32) of a demo account: derived from the RPPS so a
    /// second run of the demo gives the same secret, and written in demo.json.
    /// </summary>
    public static string TotpSecretOf(DemoMailbox person) =>
        OtpNet.Base32Encoding.ToString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes("openmss-demo-totp:" + person.Rpps))[..20]);

    // Declared before Operators: static initialisers run in textual order.
    private static MailboxPublication Pharmacy { get; } = new()
    {
        Finess = "750012346",
        StructureName = "PHARMACIE CENTRALE",
        StreetNumber = "12",
        StreetType = "R",
        StreetName = "de la Roquette",
        PostalCode = "75011",
        Town = "PARIS",
    };

    /// <summary>The patient space of the demo: the operator of <c>patient.mssante.fr</c>, whose mailboxes are the patients'.</summary>
    public static DemoOperator PatientSpace { get; } = new("espace-sante", "Mon espace santé (démo)", OpenMss.Core.Addressing.MssDomains.Patient, []);

    /// <summary>
    /// The demo patients, one per account state (the patient space's rules: docs/patients.md). The
    /// e-mail addresses are on example.org/example.net (RFC 2606): outside the trust space.
    /// </summary>
    public static IReadOnlyList<DemoPatient> Patients { get; } =
    [
        new(InsMatricule.FromNir("2780475112233"), "Sophie", "LEFEBVRE", new DateOnly(1978, 4, 12), "sophie.lefebvre@example.org", "8025010001", "activated", "sophie.perso@example.net"),
        new(InsMatricule.FromNir("1651169123045"), "Marc", "DUBOIS", new DateOnly(1965, 11, 3), "marc.dubois@example.org", "8025010002", "not-activated"),
        new(InsMatricule.FromNir("2900233063078"), "Nathalie", "GIRARD", new DateOnly(1990, 2, 27), "nathalie.girard@example.org", "8025010003", "opposed"),
        new(InsMatricule.FromNir("283082A004017"), "Lucia", "SANTONI", new DateOnly(1983, 8, 9), "lucia.santoni@example.org", "8025010004", "closed"),
    ];

    /// <summary>A demo patient's password placeholder (the portal's sign-in comes later), written in demo.json.</summary>
    public static string PasswordOf(DemoPatient patient) => "demo-" + patient.GivenNames.ToLowerInvariant();

    public static IReadOnlyList<DemoOperator> Operators { get; } =
    [
        new DemoOperator("pharmaciens", "Opérateur des pharmaciens", PharmacyDomain,
        [
            new DemoMailbox("pharmacie.centrale@pharmacien.mssante.fr", MailboxKind.Organisational, "Pharmacie Centrale",
                Publication: Pharmacy with { Kind = "ORG", Description = "Boîte organisationnelle de la pharmacie" }),
            new DemoMailbox("claire.martin@pharmacien.mssante.fr", MailboxKind.Personal, "Claire Martin", "pharmacist", "10001234565",
                Pharmacy with { Kind = "PER", Rpps = "10001234565", Civility = "MME", LastName = "MARTIN", FirstName = "Claire", ProfessionCode = "21", ProfessionLabel = "Pharmacien" }),
            new DemoMailbox("paul.bernard@pharmacien.mssante.fr", MailboxKind.Personal, "Paul Bernard", "pharmacist", "10002345675",
                Pharmacy with { Kind = "PER", Rpps = "10002345675", Civility = "M", LastName = "BERNARD", FirstName = "Paul", ProfessionCode = "21", ProfessionLabel = "Pharmacien" }),
            new DemoMailbox("lea.petit@pharmacien.mssante.fr", MailboxKind.Personal, "Léa Petit", "technician", "10003456786",
                Pharmacy with { Kind = "PER", Rpps = "10003456786", Civility = "MME", LastName = "PETIT", FirstName = "Léa", ProfessionLabel = "Préparatrice en pharmacie" }),
        ]),
        new DemoOperator("medecins", "Opérateur des médecins", DoctorDomain,
        [
            new DemoMailbox("jean.dupont@medecin.mssante.fr", MailboxKind.Personal, "Dr Jean Dupont", "doctor", "10004567896",
                new MailboxPublication
                {
                    Kind = "PER", Rpps = "10004567896", Civility = "DR", LastName = "DUPONT", FirstName = "Jean",
                    ProfessionCode = "10", ProfessionLabel = "Médecin", StructureName = "Cabinet du Dr Dupont",
                    StreetNumber = "3", StreetType = "AV", StreetName = "de la République", PostalCode = "75011", Town = "PARIS",
                }),
            new DemoMailbox("resultats.labo-analyses@medecin.mssante.fr", MailboxKind.Applicative, "Laboratoire d'analyses — résultats", "application",
                Publication: new MailboxPublication
                {
                    Kind = "APP", Finess = "750023459", StructureName = "Laboratoire d'analyses médicales de la Roquette",
                    Description = "Envoi automatique des comptes rendus de biologie", PostalCode = "75011", Town = "PARIS",
                }),
        ]),
    ];

}
