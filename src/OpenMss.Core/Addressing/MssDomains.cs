using System.Globalization;
using System.Text;

namespace OpenMss.Core.Addressing;

/// <summary>
/// Domains of the MSSanté trust space: every mailbox domain is a sub-domain of <see cref="Root"/>
/// (e.g. <c>pharmacien.mssante.fr</c>), the patients' one is <see cref="Patient"/> (ANS,
/// MSSanté référentiel #1, client). Domain names are compared in their normalised form: lower-case ASCII,
/// internationalised labels in punycode (IDNA, RFC 5890/5891 via UTS #46 as implemented by
/// <see cref="IdnMapping"/>), since the whitelist lists some internationalised names.
/// </summary>
/// <remarks>These are syntax checks; whether a domain is on the whitelist is decided elsewhere.</remarks>
public static class MssDomains
{
    /// <summary>The trust space's parent domain. Not itself a mailbox domain.</summary>
    public const string Root = "mssante.fr";

    /// <summary>The domain of patients' mailboxes (Mon espace santé).</summary>
    public const string Patient = "patient.mssante.fr";

    /// <summary>Maximum length of a domain name in text form, without trailing dot (RFC 1035 §2.3.4).</summary>
    public const int MaxLength = 253;

    private const string RootSuffix = "." + Root;

    /// <summary>
    /// Whether <paramref name="domain"/> is syntactically a domain of the trust space: a valid DNS name
    /// (IDN accepted) strictly under <see cref="Root"/>. Surrounding whitespace is ignored.
    /// </summary>
    public static bool IsTrustSpaceDomain(string? domain)
        => TryNormalize(domain, out var normalized) && IsUnderRoot(normalized);

    /// <summary>
    /// The normalised form of any DNS domain name: lower-case ASCII, internationalised labels as punycode.
    /// Surrounding whitespace is ignored; a trailing dot is refused.
    /// </summary>
    /// <exception cref="FormatException">Not a valid domain name.</exception>
    public static string Normalize(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return TryNormalize(domain, out var normalized)
            ? normalized
            : throw new FormatException("Not a valid domain name.");
    }

    /// <summary>Like <see cref="Normalize"/>, without throwing.</summary>
    public static bool TryNormalize(string? domain, out string normalized)
        => TryNormalizeExact(domain?.Trim(), out normalized);

    /// <summary>Whether an already normalised domain is strictly under <see cref="Root"/>.</summary>
    internal static bool IsUnderRoot(string normalized)
        => normalized.Length > RootSuffix.Length && normalized.EndsWith(RootSuffix, StringComparison.Ordinal);

    /// <summary>Normalises without trimming (an address must not hold whitespace around its domain).</summary>
    internal static bool TryNormalizeExact(string? domain, out string normalized)
    {
        normalized = string.Empty;

        // Bound the work spent on hostile input before any IDN processing.
        if (string.IsNullOrEmpty(domain) || domain.Length > MaxLength * 4)
        {
            return false;
        }

        string ascii;
        if (Ascii.IsValid(domain))
        {
            ascii = domain.ToLowerInvariant();
        }
        else
        {
            try
            {
                ascii = CreateMapping().GetAscii(domain).ToLowerInvariant();
            }
            catch (ArgumentException)
            {
                // IdnMapping reports every invalid name this way: not an IDN, so not a domain.
                return false;
            }
        }

        if (!IsHostName(ascii) || !PunycodeLabelsDecode(ascii))
        {
            return false;
        }

        normalized = ascii;
        return true;
    }

    private static IdnMapping CreateMapping() => new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    /// <summary>RFC 1123 §2.1 host name: LDH labels of 1–63 characters, no hyphen at either end.</summary>
    private static bool IsHostName(string name)
    {
        if (name.Length > MaxLength)
        {
            return false;
        }

        var labelStart = 0;
        for (var i = 0; i <= name.Length; i++)
        {
            if (i < name.Length && name[i] != '.')
            {
                var c = name[i];
                if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
                {
                    return false;
                }

                continue;
            }

            var length = i - labelStart;
            if (length is 0 or > 63 || name[labelStart] == '-' || name[i - 1] == '-')
            {
                return false;
            }

            labelStart = i + 1;
        }

        // An all-numeric last label would make the name look like an IPv4 address.
        return !AllDigits(name.AsSpan(name.LastIndexOf('.') + 1));
    }

    private static bool AllDigits(ReadOnlySpan<char> label)
    {
        foreach (var c in label)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>An <c>xn--</c> label must be valid punycode of a valid IDN label.</summary>
    private static bool PunycodeLabelsDecode(string ascii)
    {
        if (!ascii.Contains("xn--", StringComparison.Ordinal))
        {
            return true;
        }

        try
        {
            var mapping = CreateMapping();
            var unicode = mapping.GetUnicode(ascii);

            // Round trip: rejects punycode that decodes to something IDNA would have encoded differently.
            return string.Equals(mapping.GetAscii(unicode), ascii, StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
