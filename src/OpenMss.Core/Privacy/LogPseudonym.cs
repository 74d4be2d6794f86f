using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using OpenMss.Core.Identifiers;

namespace OpenMss.Core.Privacy;

/// <summary>
/// What a log line may say about a mailbox address or a login: the one helper every service uses
/// so that no log ever holds an address. A patient's address is their INS
/// (<c>&lt;INS&gt;@patient.mssante.fr</c>), which is health data under the French public health code
/// and must not reach logs, which are read far more widely than the access-controlled audit trail.
/// </summary>
/// <remarks>
/// <para>
/// A log line that must tell recipients apart writes <see cref="Address"/>: a keyed pseudonym of the
/// local part and the domain, e.g. <c>#3f9a1c2b4d5e@patient.mssante.fr</c>. The pseudonym is the
/// first 48 bits of HMAC-SHA-256 (RFC 2104) of the lower-cased address under a secret key of this
/// node, in hexadecimal: stable for one address within one process, so that the lines about one
/// recipient can be followed, and useless to anyone without the key, who cannot compute the
/// pseudonym of an INS to look for (an unkeyed hash of the 10^13 possible INS would be reversed in
/// minutes). 48 bits keep collisions negligible among the recipients of one log.
/// </para>
/// <para>
/// The key is drawn at random when the process starts and never written anywhere, so pseudonyms
/// change on restart: following one recipient across restarts, or across the nodes of one cluster,
/// takes the audit trail, which names mailboxes to those allowed to read it. Nodes that share a
/// process (the demo) share the key.
/// </para>
/// </remarks>
public static class LogPseudonym
{
    private const int HexLength = 12;

    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    /// <summary>The keyed pseudonym of any value (an address, a login), as <c>#</c> and 12 hex digits; <c>-</c> for none.</summary>
    public static string Of(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "-";
        }

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes(value.Trim().ToLowerInvariant()), mac);
        return "#" + Convert.ToHexStringLower(mac[..(HexLength / 2)]);
    }

    /// <summary>
    /// An address as a log may write it: the pseudonym of the whole address, then <c>@</c> and its
    /// domain (<c>#3f9a1c2b4d5e@patient.mssante.fr</c>); <c>-</c> for none.
    /// </summary>
    public static string Address(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return "-";
        }

        return Of(address) + "@" + DomainOf(address);
    }

    /// <summary>The domain of an address, lower-cased, or <c>(no domain)</c>: all of an address that a log may write in clear.</summary>
    public static string DomainOf(string? address)
    {
        if (string.IsNullOrEmpty(address))
        {
            return "(no domain)";
        }

        var at = address.LastIndexOf('@');
        var domain = at < 0 ? string.Empty : address[(at + 1)..].Trim();
        return domain.Length == 0 ? "(no domain)" : domain.ToLowerInvariant();
    }

    /// <summary>
    /// An authenticated identity as a log may write it: a professional's idNat_PS in clear (a
    /// public identifier of the health directory, which operators need to answer a professional;
    /// recognised by its shape, a wrong RPPS key included),
    /// anything else (a patient's INS or address, an application's address, a login typed wrong)
    /// as its <see cref="Of">pseudonym</see>.
    /// </summary>
    [return: NotNullIfNotNull(nameof(actor))]
    public static string? Actor(string? actor)
    {
        if (actor is null)
        {
            return null;
        }

        return IdNatPs.TryParseLenient(actor, out var professional, out _) ? professional.Value : Of(actor);
    }
}
