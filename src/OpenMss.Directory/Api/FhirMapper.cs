using Hl7.Fhir.Model;
using OpenMss.Core;
using OpenMss.Core.Identifiers;

namespace OpenMss.Directory.Api;

/// <summary>
/// Directory entries as FHIR R4 resources, following the ANS directory guide (<c>ansforge/IG-fhir-annuaire</c>):
/// mailboxes are <c>telecom</c> entries (<c>system = email</c>) marked with the messaging type <c>MSSANTE</c>
/// (FR Core email-type extension, <c>TRE_R256-TypeMessagerie</c>) and the <c>as-ext-mailbox-mss-metadata</c>
/// extension (type from <c>TRE_R257-TypeBAL</c>, description, responsible, service, phone, digitization,
/// listeRouge); identifiers use the guide's systems.
/// </summary>
public static class FhirMapper
{
    /// <summary>idNat_PS (professional national identifier).</summary>
    public const string IdNatPsSystem = IdNatPs.FhirSystem;

    /// <summary>idNatSt (structure national identifier: type digit then FINESS/SIRET).</summary>
    public const string IdNatStSystem = "urn:oid:1.2.250.1.71.4.2.2";

    /// <summary>RPPS numbers.</summary>
    public const string RppsSystem = "https://rpps.esante.gouv.fr";

    /// <summary>FINESS numbers.</summary>
    public const string FinessSystem = "https://finess.esante.gouv.fr";

    /// <summary>SIREN/SIRET numbers.</summary>
    public const string SiretSystem = "https://sirene.fr";

    /// <summary>Identifier type codes (FR Core, from HL7 v2 table 0203).</summary>
    public const string IdentifierTypeSystem = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203";

    /// <summary>The ANS mailbox metadata extension.</summary>
    public const string MailboxMetadataExtension = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-mailbox-mss-metadata";

    /// <summary>The FR Core e-mail type extension (carries <c>MSSANTE</c>).</summary>
    public const string EmailTypeExtension = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type";

    /// <summary><c>TRE_R256-TypeMessagerie</c>.</summary>
    public const string MessagingTypeSystem = "https://mos.esante.gouv.fr/NOS/TRE_R256-TypeMessagerie/FHIR/TRE-R256-TypeMessagerie";

    /// <summary><c>TRE_R257-TypeBAL</c>.</summary>
    public const string MailboxTypeSystem = "https://mos.esante.gouv.fr/NOS/TRE_R257-TypeBAL/FHIR/TRE-R257-TypeBAL";

    /// <summary><c>TRE_G15-ProfessionSante</c>.</summary>
    public const string ProfessionSystem = "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante";

    /// <summary><c>TRE_R09-CategorieProfessionnelle</c>.</summary>
    public const string CategorySystem = "https://mos.esante.gouv.fr/NOS/TRE_R09-CategorieProfessionnelle/FHIR/TRE-R09-CategorieProfessionnelle";

    /// <summary>The FHIR id of a structure key (idNatSt: letters and digits, FHIR-safe as is).</summary>
    public static string RoleId(string professionalKey, string structureKey) => professionalKey + "-" + structureKey;

    /// <summary>A <c>Practitioner</c> from the mailboxes of one professional.</summary>
    public static Practitioner ToPractitioner(string key, IReadOnlyList<DirectoryEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var p = entries.Select(e => e.Professional).First(x => x is not null)!;
        var practitioner = new Practitioner
        {
            Id = key,
            Meta = new Meta { LastUpdated = entries.Max(e => e.UpdatedAt) },
            Active = true,
        };
        practitioner.Identifier.Add(Id(IdNatPsSystem, key, "IDNPS"));
        if (p.IdType == "8" && !string.IsNullOrEmpty(p.Identifier))
        {
            practitioner.Identifier.Add(Id(RppsSystem, p.Identifier, "RPPS"));
        }

        if (!string.IsNullOrEmpty(p.LastName) || !string.IsNullOrEmpty(p.FirstName))
        {
            var name = new HumanName { Use = HumanName.NameUse.Official, Family = p.LastName };
            if (!string.IsNullOrEmpty(p.FirstName))
            {
                name.GivenElement.Add(new FhirString(p.FirstName));
            }

            if (!string.IsNullOrEmpty(p.Civility))
            {
                name.PrefixElement.Add(new FhirString(p.Civility));
            }

            practitioner.Name.Add(name);
        }

        if (ProfessionConcept(p) is { } profession)
        {
            practitioner.Qualification.Add(new Practitioner.QualificationComponent { Code = profession });
        }

        practitioner.Telecom.AddRange(entries.Select(ToContactPoint));
        return practitioner;
    }

    /// <summary>A <c>PractitionerRole</c> (situation d'exercice) from the mailboxes of one professional in one structure.</summary>
    public static PractitionerRole ToPractitionerRole(string professionalKey, string structureKey, IReadOnlyList<DirectoryEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var first = entries[0];
        var role = new PractitionerRole
        {
            Id = RoleId(professionalKey, structureKey),
            Meta = new Meta { LastUpdated = entries.Max(e => e.UpdatedAt) },
            Active = true,
            Practitioner = new ResourceReference("Practitioner/" + professionalKey),
            Organization = new ResourceReference("Organization/" + structureKey, first.Structure?.Name ?? first.Structure?.Sign),
        };
        if (first.Professional is { } p && ProfessionConcept(p) is { } profession)
        {
            role.Code.Add(profession);
            if (!string.IsNullOrEmpty(p.SkillCode) || !string.IsNullOrEmpty(p.SkillLabel))
            {
                role.Specialty.Add(new CodeableConcept { Text = p.SkillLabel ?? p.SkillCode });
            }
        }

        role.Telecom.AddRange(entries.Select(ToContactPoint));
        return role;
    }

    /// <summary>An <c>Organization</c> from the mailboxes attached to one structure (its <c>PER</c> mailboxes go to the practitioners).</summary>
    public static Organization ToOrganization(string key, IReadOnlyList<DirectoryEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var s = entries.Select(e => e.Structure).First(x => x is not null)!;
        var organization = new Organization
        {
            Id = key,
            Meta = new Meta { LastUpdated = entries.Max(e => e.UpdatedAt) },
            Active = true,
            Name = s.Name ?? s.Sign,
        };
        if (s.Name is not null && s.Sign is not null && s.Sign != s.Name)
        {
            organization.AliasElement.Add(new FhirString(s.Sign));
        }

        organization.Identifier.Add(Id(IdNatStSystem, key, "IDNST"));
        if (!string.IsNullOrEmpty(s.Identifier))
        {
            switch (s.IdType)
            {
                case StructureInfo.FinessType:
                    organization.Identifier.Add(Id(FinessSystem, s.Identifier, "FINEG"));
                    break;
                case StructureInfo.SiretType:
                    organization.Identifier.Add(Id(SiretSystem, s.Identifier, "SIRET"));
                    break;
            }
        }

        var street = string.Join(' ', new[] { s.StreetNumber, s.StreetNumberExtension, s.StreetType, s.StreetName }.Where(v => !string.IsNullOrEmpty(v)));
        if (street.Length > 0 || s.PostalCode is not null || s.Town is not null)
        {
            var address = new Address { Use = Address.AddressUse.Work, City = s.Town, PostalCode = s.PostalCode, Country = s.Country };
            foreach (var line in new[] { s.AddressLine2, s.AddressLine3, street, s.LieuDit })
            {
                if (!string.IsNullOrEmpty(line))
                {
                    address.LineElement.Add(new FhirString(line));
                }
            }

            organization.Address.Add(address);
        }

        organization.Telecom.AddRange(entries.Where(e => e.Kind != MailboxKind.Personal).Select(ToContactPoint));
        return organization;
    }

    /// <summary>A mailbox as a <c>telecom</c> entry with the MSSanté extensions.</summary>
    public static ContactPoint ToContactPoint(DirectoryEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var contact = new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Work, entry.Address);
        contact.Extension.Add(new Extension(EmailTypeExtension, new Coding(MessagingTypeSystem, "MSSANTE", "Messagerie MSSanté")));
        var metadata = new Extension { Url = MailboxMetadataExtension };
        metadata.Extension.Add(new Extension("type", new CodeableConcept(MailboxTypeSystem, entry.Kind.ToCode(), MailboxTypeDisplay(entry.Kind))));
        AddString(metadata, "description", entry.Description);
        AddString(metadata, "responsible", entry.Responsible);
        AddString(metadata, "service", entry.Service);
        AddString(metadata, "phone", entry.Phone);
        if (entry.Dematerialisation is { } paperless)
        {
            metadata.Extension.Add(new Extension("digitization", new FhirBoolean(paperless)));
        }

        metadata.Extension.Add(new Extension("listeRouge", new FhirBoolean(entry.ListeRouge)));
        contact.Extension.Add(metadata);
        return contact;
    }

    private static void AddString(Extension parent, string url, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            parent.Extension.Add(new Extension(url, new FhirString(value)));
        }
    }

    private static string MailboxTypeDisplay(MailboxKind kind) => kind switch
    {
        MailboxKind.Personal => "BAL personnelle",
        MailboxKind.Organisational => "BAL organisationnelle",
        MailboxKind.Applicative => "BAL applicative",
        _ => "BAL de cabinet",
    };

    private static CodeableConcept? ProfessionConcept(ProfessionalInfo p)
    {
        if (string.IsNullOrEmpty(p.ProfessionCode))
        {
            return null;
        }

        var concept = new CodeableConcept();
        concept.Coding.Add(new Coding(ProfessionSystem, p.ProfessionCode, p.ProfessionLabel));
        if (!string.IsNullOrEmpty(p.CategoryCode))
        {
            concept.Coding.Add(new Coding(CategorySystem, p.CategoryCode, p.CategoryLabel));
        }

        return concept;
    }

    private static Identifier Id(string system, string value, string typeCode) => new(system, value)
    {
        Use = Identifier.IdentifierUse.Official,
        Type = new CodeableConcept(IdentifierTypeSystem, typeCode),
    };
}
