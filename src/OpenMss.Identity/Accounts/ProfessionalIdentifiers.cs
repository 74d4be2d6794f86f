using System.Diagnostics.CodeAnalysis;
using OpenMss.Core.Identifiers;

namespace OpenMss.Identity.Accounts;

/// <summary>
/// Reads what a professional types as their identifier: an RPPS (11 digits), an ADELI (9 digits) or
/// an idNat_PS (12 or 10 characters), strictly (an RPPS with a wrong key is refused).
/// </summary>
public static class ProfessionalIdentifiers
{
    /// <summary>Parses the identifier into its idNat_PS.</summary>
    public static bool TryParse([NotNullWhen(true)] string? input, out IdNatPs subject, out IdentifierError error)
    {
        subject = default;
        var text = input?.Trim() ?? string.Empty;
        switch (text.Length)
        {
            case Adeli.Length:
                if (Adeli.TryParse(text, out var adeli, out error))
                {
                    subject = IdNatPs.FromAdeli(adeli);
                    return true;
                }

                return false;

            case 1 + Rpps.Length:
            case 1 + Adeli.Length:
                return IdNatPs.TryParse(text, out subject, out error);

            default:
                // An RPPS is the usual identifier: report any other length as an RPPS length error.
                if (Rpps.TryParse(text, out var rpps, out error))
                {
                    subject = IdNatPs.FromRpps(rpps);
                    return true;
                }

                return false;
        }
    }

    /// <summary>Parses the identifier or throws <see cref="IdentifierFormatException"/> with the reason.</summary>
    public static IdNatPs Parse(string input) =>
        TryParse(input, out var subject, out var error) ? subject : throw new IdentifierFormatException(error);
}
