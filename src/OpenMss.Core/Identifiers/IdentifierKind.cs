namespace OpenMss.Core.Identifiers;

/// <summary>The national identifiers OpenMSS validates (docs/identifiers.md).</summary>
public enum IdentifierKind
{
    /// <summary>RPPS number of a health professional.</summary>
    Rpps,

    /// <summary>ADELI number of a health professional (older registry).</summary>
    Adeli,

    /// <summary>National professional identifier: type digit followed by an RPPS or ADELI number.</summary>
    IdNatPs,

    /// <summary>FINESS number of a health or social-care structure.</summary>
    Finess,

    /// <summary>SIRET number of an establishment.</summary>
    Siret,

    /// <summary>INS matricule of a patient: NIR followed by its key.</summary>
    InsMatricule,
}
