namespace OpenMss.Trust;

/// <summary>Why a peer certificate was refused.</summary>
public enum PeerFailure
{
    /// <summary>The certificate is trusted.</summary>
    None,

    /// <summary>No certificate was presented.</summary>
    Missing,

    /// <summary>The certificate does not chain to the trust space authority.</summary>
    UntrustedIssuer,

    /// <summary>The certificate's notAfter has passed.</summary>
    Expired,

    /// <summary>The certificate's notBefore is still in the future.</summary>
    NotYetValid,

    /// <summary>The trust authority's CRL lists the certificate.</summary>
    Revoked,

    /// <summary>The certificate is not meant for this use (EKU, CA certificate used as a leaf).</summary>
    WrongUsage,

    /// <summary>The certificate does not name the expected domain.</summary>
    NameMismatch,

    /// <summary>The chain is invalid for another reason (bad signature, expired authority...).</summary>
    InvalidChain,

    /// <summary>Revocation status could not be established and the validator requires it.</summary>
    RevocationUnknown,
}

/// <summary>
/// The outcome of checking a peer certificate against the trust space (ANS, MSSanté référentiel #2, operator): trusted or not,
/// a short English reason suitable for an SMTP reply text, and the names the certificate carries.
/// </summary>
public sealed class PeerCheck
{
    private PeerCheck(PeerFailure code, string? failure, IReadOnlyList<string> dnsNames, string? email, string? serialNumber, string? subject)
    {
        Code = code;
        Failure = failure;
        DnsNames = dnsNames;
        Email = email;
        SerialNumber = serialNumber;
        Subject = subject;
    }

    public bool IsTrusted => Code == PeerFailure.None;

    public PeerFailure Code { get; }

    /// <summary>Why the certificate was refused, e.g. "client certificate has expired"; null when trusted.</summary>
    public string? Failure { get; }

    /// <summary>SAN dNSName entries, lower-case A-labels (empty when no certificate).</summary>
    public IReadOnlyList<string> DnsNames { get; }

    /// <summary>The first SAN rfc822Name (application certificates), if any.</summary>
    public string? Email { get; }

    /// <summary>Certificate serial number (upper-case hexadecimal), for logs.</summary>
    public string? SerialNumber { get; }

    /// <summary>Certificate subject distinguished name, for logs.</summary>
    public string? Subject { get; }

    /// <summary>
    /// Whether the certificate names <paramref name="domain"/> in a SAN dNSName (exact, or a
    /// <c>*.</c> wildcard one label deep; IDN compared as A-labels). Used to check that a
    /// <c>MAIL FROM</c> domain belongs to the operator that presented the certificate.
    /// </summary>
    public bool NamesDomain(string domain) => DnsNames.Any(name => DomainNames.Matches(name, domain));

    public override string ToString() => IsTrusted ? $"trusted ({Subject})" : $"refused: {Failure}";

    internal static PeerCheck Trusted(IReadOnlyList<string> dnsNames, string? email, string serialNumber, string subject) =>
        new(PeerFailure.None, null, dnsNames, email, serialNumber, subject);

    internal static PeerCheck Refused(PeerFailure code, string failure, IReadOnlyList<string>? dnsNames = null, string? email = null, string? serialNumber = null, string? subject = null) =>
        new(code, failure, dnsNames ?? [], email, serialNumber, subject);
}
