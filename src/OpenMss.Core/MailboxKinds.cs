using System.Diagnostics.CodeAnalysis;

namespace OpenMss.Core;

/// <summary>
/// Directory codes (<c>TRE_R257-TypeBAL</c>) and French labels of <see cref="MailboxKind"/>
/// (ANS annuaire FHIR implementation guide; Extraction_Correspondance_MSSante file description).
/// </summary>
public static class MailboxKinds
{
    private static readonly MailboxKind[] All = Enum.GetValues<MailboxKind>();

    /// <summary>The directory code: <c>PER</c>, <c>ORG</c>, <c>APP</c> or <c>CAB</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined kind.</exception>
    public static string ToCode(this MailboxKind kind) => kind switch
    {
        MailboxKind.Personal => "PER",
        MailboxKind.Organisational => "ORG",
        MailboxKind.Applicative => "APP",
        MailboxKind.Practice => "CAB",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown mailbox kind."),
    };

    /// <summary>Reads a directory code, ignoring case and surrounding whitespace.</summary>
    public static bool TryParseCode([NotNullWhen(true)] string? code, out MailboxKind kind)
    {
        var text = code.AsSpan().Trim();
        foreach (var candidate in All)
        {
            if (text.Equals(candidate.ToCode(), StringComparison.OrdinalIgnoreCase))
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }

    /// <summary>Reads a directory code, ignoring case and surrounding whitespace.</summary>
    /// <exception cref="FormatException">Not one of the four codes.</exception>
    public static MailboxKind ParseCode(string code)
        => TryParseCode(code, out var kind) ? kind : throw new FormatException("A mailbox type is PER, ORG, APP or CAB.");

    /// <summary>The French adjective used in the UI: « nominative », « organisationnelle », « applicative », « cabinet ».</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined kind.</exception>
    public static string FrenchLabel(this MailboxKind kind) => kind switch
    {
        MailboxKind.Personal => "nominative",
        MailboxKind.Organisational => "organisationnelle",
        MailboxKind.Applicative => "applicative",
        MailboxKind.Practice => "cabinet",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown mailbox kind."),
    };
}
