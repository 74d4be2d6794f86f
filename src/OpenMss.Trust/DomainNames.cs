using System.Globalization;

namespace OpenMss.Trust;

/// <summary>
/// Domain name normalisation shared by certificates, the whitelist and routing: compare and store
/// domains as lower-case A-labels (RFC 5890), so that an internationalised domain written as
/// U-labels (<c>pédiatre.mssante.fr</c>) and its punycode form (<c>xn--pdiatre-bva.mssante.fr</c>)
/// are the same domain.
/// </summary>
public static class DomainNames
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    /// <summary>
    /// Returns the lower-case A-label form of <paramref name="domain"/> without a trailing dot.
    /// </summary>
    /// <exception cref="ArgumentException">The text is not a valid domain name.</exception>
    public static string ToAscii(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var trimmed = domain.Trim().TrimEnd('.');
        if (trimmed.Length == 0)
        {
            throw new ArgumentException("A domain name cannot be empty.", nameof(domain));
        }

        try
        {
            return Idn.GetAscii(trimmed).ToLowerInvariant();
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"'{domain}' is not a valid domain name.", nameof(domain), ex);
        }
    }

    /// <summary>Like <see cref="ToAscii"/> but returns <see langword="false"/> for invalid input.</summary>
    public static bool TryToAscii(string? domain, out string ascii)
    {
        ascii = string.Empty;
        if (string.IsNullOrWhiteSpace(domain))
        {
            return false;
        }

        var trimmed = domain.Trim().TrimEnd('.');
        if (trimmed.Length == 0)
        {
            return false;
        }

        try
        {
            ascii = Idn.GetAscii(trimmed).ToLowerInvariant();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Returns the Unicode (U-label) form of a domain, for display.</summary>
    public static string ToUnicode(string domain) => Idn.GetUnicode(ToAscii(domain));

    /// <summary>
    /// Whether a certificate name (<paramref name="pattern"/>, possibly <c>*.example.fr</c>) covers
    /// <paramref name="domain"/>: exact match, or a wildcard standing for exactly one left-most
    /// label (RFC 6125 §6.4.3, without partial-label wildcards).
    /// </summary>
    public static bool Matches(string pattern, string domain)
    {
        if (!TryToAscii(domain, out var host))
        {
            return false;
        }

        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            if (!TryToAscii(pattern[2..], out var parent))
            {
                return false;
            }

            var dot = host.IndexOf('.', StringComparison.Ordinal);
            return dot > 0 && string.Equals(host[(dot + 1)..], parent, StringComparison.Ordinal);
        }

        return TryToAscii(pattern, out var name) && string.Equals(name, host, StringComparison.Ordinal);
    }
}
