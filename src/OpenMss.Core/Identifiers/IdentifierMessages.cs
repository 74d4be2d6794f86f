namespace OpenMss.Core.Identifiers;

/// <summary>The texts of <see cref="IdentifierError"/>, kept in one place so that the UI wording stays consistent.</summary>
internal static class IdentifierMessages
{
    public static string French(IdentifierKind kind, IdentifierErrorCode code) => code switch
    {
        IdentifierErrorCode.None => string.Empty,
        IdentifierErrorCode.Empty => $"{Subject(kind)} n'est pas renseigné.",
        IdentifierErrorCode.InvalidLength => kind switch
        {
            IdentifierKind.Rpps => "Le numéro RPPS doit comporter 11 chiffres.",
            IdentifierKind.Adeli => "Le numéro ADELI doit comporter 9 chiffres.",
            IdentifierKind.IdNatPs => "L'identifiant national idNat_PS doit comporter 12 caractères (8 suivi du numéro RPPS) ou 10 caractères (0 suivi du numéro ADELI).",
            IdentifierKind.Finess => "Le numéro FINESS doit comporter 9 caractères.",
            IdentifierKind.Siret => "Le numéro SIRET doit comporter 14 chiffres.",
            _ => "Le matricule INS doit comporter 15 caractères : le NIR (13) suivi de la clé (2).",
        },
        IdentifierErrorCode.InvalidCharacters => kind switch
        {
            IdentifierKind.Finess => "Le numéro FINESS ne doit contenir que des chiffres, hormis 2A ou 2B en tête pour la Corse.",
            IdentifierKind.InsMatricule => "Le matricule INS ne doit contenir que des chiffres, hormis 2A ou 2B (6e et 7e caractères) pour une naissance en Corse.",
            _ => $"{Subject(kind)} ne doit contenir que des chiffres.",
        },
        IdentifierErrorCode.InvalidKey => $"La clé {OfSubject(kind)} est incorrecte.",
        IdentifierErrorCode.InvalidPrefix => "L'identifiant national idNat_PS doit commencer par 8 (numéro RPPS) ou 0 (numéro ADELI).",
        IdentifierErrorCode.InvalidSex => "Le premier chiffre du matricule INS doit être 1 ou 2 (sexe), ou 3, 4, 7 ou 8 pour un numéro provisoire.",
        IdentifierErrorCode.InvalidMonth => "Le mois de naissance du matricule INS (4e et 5e chiffres) est invalide.",
        IdentifierErrorCode.InvalidDepartment => "Le département de naissance du matricule INS (6e et 7e caractères) est invalide.",
        _ => $"{Subject(kind)} est invalide.",
    };

    public static string English(IdentifierKind kind, IdentifierErrorCode code) => code switch
    {
        IdentifierErrorCode.None => string.Empty,
        IdentifierErrorCode.Empty => $"The {Name(kind)} is empty.",
        IdentifierErrorCode.InvalidLength => kind switch
        {
            IdentifierKind.Rpps => "An RPPS number has 11 digits.",
            IdentifierKind.Adeli => "An ADELI number has 9 digits.",
            IdentifierKind.IdNatPs => "An idNat_PS has 12 characters (8 then the RPPS number) or 10 characters (0 then the ADELI number).",
            IdentifierKind.Finess => "A FINESS number has 9 characters.",
            IdentifierKind.Siret => "A SIRET number has 14 digits.",
            _ => "An INS matricule has 15 characters: the NIR (13) then its key (2).",
        },
        IdentifierErrorCode.InvalidCharacters => kind switch
        {
            IdentifierKind.Finess => "A FINESS number holds digits only, except a leading 2A or 2B for Corsica.",
            IdentifierKind.InsMatricule => "An INS matricule holds digits only, except 2A or 2B (7th and 8th characters) for a birth in Corsica.",
            _ => $"The {Name(kind)} must hold digits only.",
        },
        IdentifierErrorCode.InvalidKey => $"The check key of the {Name(kind)} is wrong.",
        IdentifierErrorCode.InvalidPrefix => "An idNat_PS starts with 8 (RPPS number) or 0 (ADELI number).",
        IdentifierErrorCode.InvalidSex => "The first digit of an INS matricule is 1 or 2 (sex), or 3, 4, 7 or 8 for a temporary number.",
        IdentifierErrorCode.InvalidMonth => "The birth month of the INS matricule (4th and 5th digits) is invalid.",
        IdentifierErrorCode.InvalidDepartment => "The birth department of the INS matricule (6th and 7th characters) is invalid.",
        _ => $"The {Name(kind)} is invalid.",
    };

    private static string Subject(IdentifierKind kind) => kind switch
    {
        IdentifierKind.Rpps => "Le numéro RPPS",
        IdentifierKind.Adeli => "Le numéro ADELI",
        IdentifierKind.IdNatPs => "L'identifiant national idNat_PS",
        IdentifierKind.Finess => "Le numéro FINESS",
        IdentifierKind.Siret => "Le numéro SIRET",
        _ => "Le matricule INS",
    };

    private static string OfSubject(IdentifierKind kind) => kind switch
    {
        IdentifierKind.Rpps => "du numéro RPPS",
        IdentifierKind.Adeli => "du numéro ADELI",
        IdentifierKind.IdNatPs => "de l'identifiant national idNat_PS",
        IdentifierKind.Finess => "du numéro FINESS",
        IdentifierKind.Siret => "du numéro SIRET",
        _ => "du matricule INS",
    };

    private static string Name(IdentifierKind kind) => kind switch
    {
        IdentifierKind.Rpps => "RPPS number",
        IdentifierKind.Adeli => "ADELI number",
        IdentifierKind.IdNatPs => "idNat_PS",
        IdentifierKind.Finess => "FINESS number",
        IdentifierKind.Siret => "SIRET number",
        _ => "INS matricule",
    };
}
