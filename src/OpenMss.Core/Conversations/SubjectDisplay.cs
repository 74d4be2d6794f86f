using System.Text.RegularExpressions;

namespace OpenMss.Core.Conversations;

/// <summary>
/// How a subject is shown to a patient or a professional: without the <c>XDM/1.0/DDM</c> prefix
/// that software sending an IHE XDM package (ANS MSSanté DSFT, structured documents as
/// <c>IHE_XDM.zip</c>) puts in front of the subject, e.g. <c>XDM/1.0/DDM+Compte rendu</c>.
/// </summary>
/// <remarks>
/// The prefix is a signal between programs, not words for a person. It is hidden wherever it
/// stands after the reply and forward markers mail clients add (<c>RE: XDM/1.0/DDM+Résultats</c>
/// reads <c>RE: Résultats</c>), without regard to case, with or without the <c>+</c> that separates
/// it from the subject. Only the display changes: the stored message keeps its subject.
/// </remarks>
public static partial class SubjectDisplay
{
    /// <summary>The prefix, as software writes it.</summary>
    public const string XdmPrefix = "XDM/1.0/DDM+";

    /// <summary>The subject as it should be shown (the XDM prefix hidden, surrounding spaces trimmed); empty when there is none.</summary>
    public static string ForDisplay(string? subject)
    {
        if (string.IsNullOrWhiteSpace(subject))
        {
            return string.Empty;
        }

        var match = Prefix().Match(subject);
        return match.Success
            ? (match.Groups["markers"].Value + subject[(match.Index + match.Length)..]).Trim()
            : subject.Trim();
    }

    // Leading reply/forward markers (RE:, TR:, FW:, FWD:, AW:, WG:, possibly several), then the prefix.
    [GeneratedRegex(@"\A\s*(?<markers>(?:(?:re|tr|fwd?|aw|wg)\s*:\s*)*)xdm/1\.0/ddm\+?\s*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Prefix();
}
