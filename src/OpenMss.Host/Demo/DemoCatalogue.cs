using OpenMss.Core;

namespace OpenMss.Host.Demo;

/// <summary>A mailbox of the demo, with the person or software that uses it.</summary>
/// <param name="Role">pharmacist | technician | doctor | application, or null for a structure's mailbox.</param>
public sealed record DemoMailbox(string Address, MailboxKind Kind, string DisplayName, string? Role = null, string? Rpps = null);

/// <summary>An operator of the demo trust space.</summary>
public sealed record DemoOperator(string Id, string Name, string Domain, IReadOnlyList<DemoMailbox> Mailboxes);

/// <summary>
/// Who is in the demo trust space (SPEC §3.4): a pharmacy with its organisational mailbox, two
/// pharmacists and a technician on one operator; a doctor and a laboratory's applicative
/// mailbox on another. RPPS numbers are fictitious but carry valid Luhn keys.
/// </summary>
public static class DemoCatalogue
{
    public const string PharmacyDomain = "pharmacien.mssante.fr";
    public const string DoctorDomain = "medecin.mssante.fr";

    public static IReadOnlyList<DemoOperator> Operators { get; } =
    [
        new DemoOperator("pharmaciens", "Opérateur des pharmaciens", PharmacyDomain,
        [
            new DemoMailbox("pharmacie.centrale@pharmacien.mssante.fr", MailboxKind.Organisational, "Pharmacie Centrale"),
            new DemoMailbox("claire.martin@pharmacien.mssante.fr", MailboxKind.Personal, "Claire Martin", "pharmacist", "10001234565"),
            new DemoMailbox("paul.bernard@pharmacien.mssante.fr", MailboxKind.Personal, "Paul Bernard", "pharmacist", "10002345675"),
            new DemoMailbox("lea.petit@pharmacien.mssante.fr", MailboxKind.Personal, "Léa Petit", "technician", "10003456786"),
        ]),
        new DemoOperator("medecins", "Opérateur des médecins", DoctorDomain,
        [
            new DemoMailbox("jean.dupont@medecin.mssante.fr", MailboxKind.Personal, "Dr Jean Dupont", "doctor", "10004567896"),
            new DemoMailbox("resultats.labo-analyses@medecin.mssante.fr", MailboxKind.Applicative, "Laboratoire d'analyses — résultats", "application"),
        ]),
    ];
}
