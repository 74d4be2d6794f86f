using System.Globalization;

namespace OpenMss.Smtp.Acceptance;

/// <summary>
/// The mail domains this operator serves, compared case-insensitively in their A-label form
/// (RFC 5890 §2.3.2.1), so that an internationalised recipient domain (SMTPUTF8, RFC 6531) matches.
/// </summary>
public sealed class LocalDomainSet
{
    private readonly HashSet<string> _domains = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    /// <exception cref="ArgumentException">No domain, or an empty one.</exception>
    public LocalDomainSet(IEnumerable<string> domains)
    {
        ArgumentNullException.ThrowIfNull(domains);
        foreach (var domain in domains)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(domain, nameof(domains));
            _domains.Add(ToAscii(domain.Trim().TrimEnd('.')));
        }

        if (_domains.Count == 0)
        {
            throw new ArgumentException("At least one local domain is needed.", nameof(domains));
        }

        _lookup = _domains.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The domains (A-labels, lower case).</summary>
    public IReadOnlyCollection<string> Domains => _domains;

    /// <summary>Whether <paramref name="domain"/> is served here.</summary>
    public bool Contains(ReadOnlySpan<char> domain)
    {
        if (_lookup.Contains(domain))
        {
            return true;
        }

        // An internationalised domain is compared in its A-label form; a trailing dot is the root.
        foreach (var c in domain)
        {
            if (c >= 0x80)
            {
                return _domains.Contains(ToAscii(domain.ToString()));
            }
        }

        return domain.Length > 1 && domain[^1] == '.' && _lookup.Contains(domain[..^1]);
    }

    /// <summary>Whether the domain of <paramref name="address"/> (after its last <c>@</c>) is served here; false without one.</summary>
    public bool ContainsAddress(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var at = address.LastIndexOf('@');
        return at >= 0 && at < address.Length - 1 && Contains(address.AsSpan(at + 1).Trim());
    }

    private static string ToAscii(string domain)
    {
        try
        {
            return new IdnMapping().GetAscii(domain).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            // Not a valid IDN: it cannot match any local domain, keep it as given.
            return domain.ToLowerInvariant();
        }
    }
}
