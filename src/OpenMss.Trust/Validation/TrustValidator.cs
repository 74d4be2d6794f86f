using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OpenMss.Trust;

/// <summary>
/// Checks a peer's certificate against the trust space (ANS, MSSanté référentiel #2,
/// operator; RFC 5280): it must chain to the trust anchor (the only accepted authority; no system roots, no
/// online revocation or certificate download), be within its validity period, carry the right
/// extended key usage, and not be listed in the authority's CRL.
/// </summary>
/// <remarks>Thread-safe; create one per trust anchor and share it.</remarks>
public sealed partial class TrustValidator
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private readonly X509Certificate2 _anchor;
    private readonly IRevocationSource? _revocation;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private RevocationList? _staleWarned;
    private int _missingWarned;

    /// <param name="trustAnchor">The trust space root certificate (its private key, if any, is not used).</param>
    /// <param name="revocation">Where the current CRL comes from; null when revocation is not checked.</param>
    /// <param name="timeProvider">The clock (tests move it); system clock by default.</param>
    /// <param name="logger">Logs stale or missing CRLs; never certificate keys.</param>
    public TrustValidator(X509Certificate2 trustAnchor, IRevocationSource? revocation = null, TimeProvider? timeProvider = null, ILogger<TrustValidator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(trustAnchor);
        // Keep a public-only copy: the validator must never hold the authority's private key.
        _anchor = X509CertificateLoader.LoadCertificate(trustAnchor.RawData);
        _revocation = revocation;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The trust anchor (public certificate).</summary>
    public X509Certificate2 TrustAnchor => _anchor;

    /// <summary>
    /// When true, a certificate is refused while a revocation source is configured but has no CRL yet
    /// (fail closed). Default false: accepted with a logged warning, so a CRL outage does not stop mail.
    /// </summary>
    public bool RequireRevocationList { get; init; }

    /// <summary>
    /// Checks the certificate a peer operator (or an application) presented as TLS client: chain,
    /// validity, EKU clientAuth, revocation. The caller then checks the names (whitelist, MAIL FROM).
    /// </summary>
    public PeerCheck ValidateClient(X509Certificate2? certificate) => Validate(certificate, ClientAuthOid, "client", expectedDomain: null);

    /// <summary>
    /// Checks the certificate a destination operator presented as TLS server: chain, validity, EKU
    /// serverAuth, revocation, and a SAN dNSName matching <paramref name="expectedDomain"/> (the
    /// destination mail domain, or the host name for HTTPS), exactly or through a one-label wildcard.
    /// </summary>
    public PeerCheck ValidateServer(X509Certificate2? certificate, string expectedDomain)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expectedDomain);
        return Validate(certificate, ServerAuthOid, "server", expectedDomain);
    }

    private PeerCheck Validate(X509Certificate2? certificate, string usageOid, string role, string? expectedDomain)
    {
        if (certificate is null)
        {
            return PeerCheck.Refused(PeerFailure.Missing, $"no {role} certificate presented");
        }

        string serial;
        string subject;
        IReadOnlyList<string> dnsNames;
        IReadOnlyList<System.Net.IPAddress> ipAddresses;
        string? email;
        try
        {
            serial = SerialNumbers.Normalize(certificate.SerialNumber);
            subject = certificate.Subject;
            (dnsNames, ipAddresses, email) = ReadSubjectAlternativeNames(certificate);
        }
        catch (Exception ex) when (ex is CryptographicException or AsnContentException or ArgumentException)
        {
            return PeerCheck.Refused(PeerFailure.InvalidChain, $"{role} certificate is malformed");
        }

        PeerCheck Refuse(PeerFailure code, string text) => PeerCheck.Refused(code, text, dnsNames, email, serial, subject);

        var now = _time.GetUtcNow();
        var chainFailure = CheckChain(certificate, now);
        if (chainFailure == PeerFailure.UntrustedIssuer)
        {
            return Refuse(PeerFailure.UntrustedIssuer, $"{role} certificate is not issued by the trust space authority");
        }

        // Dates are checked by hand to give the precise reason; the chain reports them only as NotTimeValid.
        if (now.UtcDateTime > certificate.NotAfter.ToUniversalTime())
        {
            return Refuse(PeerFailure.Expired, $"{role} certificate has expired");
        }

        if (now.UtcDateTime < certificate.NotBefore.ToUniversalTime())
        {
            return Refuse(PeerFailure.NotYetValid, $"{role} certificate is not yet valid");
        }

        if (chainFailure is not null)
        {
            return Refuse(PeerFailure.InvalidChain, $"{role} certificate chain is not valid");
        }

        if (IsCertificateAuthority(certificate))
        {
            return Refuse(PeerFailure.WrongUsage, $"{role} certificate is an authority certificate");
        }

        if (!HasUsage(certificate, usageOid))
        {
            return Refuse(PeerFailure.WrongUsage, $"{role} certificate is not issued for TLS {role} use");
        }

        var revocation = CheckRevocation(certificate, now);
        if (revocation != PeerFailure.None)
        {
            return Refuse(revocation, revocation == PeerFailure.Revoked
                ? $"{role} certificate has been revoked"
                : $"revocation status of the {role} certificate is unknown");
        }

        if (expectedDomain is not null && !NamesHost(dnsNames, ipAddresses, expectedDomain))
        {
            return Refuse(PeerFailure.NameMismatch, $"{role} certificate does not name {expectedDomain}");
        }

        return PeerCheck.Trusted(dnsNames, email, serial, subject);
    }

    private PeerFailure? CheckChain(X509Certificate2 certificate, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.Add(_anchor);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = now.UtcDateTime;
        policy.VerificationTimeIgnored = false;
        policy.UrlRetrievalTimeout = TimeSpan.Zero;

        var built = chain.Build(certificate);
        var elements = chain.ChainElements;
        try
        {
            // The anchor presented as its own "chain" passes here and is refused as an authority certificate below.
            var endsAtAnchor = elements.Count >= 1
                && elements[^1].Certificate.RawData.AsSpan().SequenceEqual(_anchor.RawData);
            if (built && endsAtAnchor)
            {
                return null;
            }

            var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, status) => all | status.Status);
            const X509ChainStatusFlags notOurs = X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain;
            return (flags & notOurs) != 0 || !endsAtAnchor ? PeerFailure.UntrustedIssuer : PeerFailure.InvalidChain;
        }
        finally
        {
            foreach (var element in elements)
            {
                if (!ReferenceEquals(element.Certificate, certificate) && !ReferenceEquals(element.Certificate, _anchor))
                {
                    element.Certificate.Dispose();
                }
            }
        }
    }

    private PeerFailure CheckRevocation(X509Certificate2 certificate, DateTimeOffset now)
    {
        if (_revocation is null)
        {
            return PeerFailure.None;
        }

        var list = _revocation.Current;
        if (list is null)
        {
            if (Interlocked.Exchange(ref _missingWarned, 1) == 0)
            {
                LogNoRevocationList(_logger, RequireRevocationList);
            }

            return RequireRevocationList ? PeerFailure.RevocationUnknown : PeerFailure.None;
        }

        Volatile.Write(ref _missingWarned, 0);
        if (list.IsStale(now) && !ReferenceEquals(Interlocked.Exchange(ref _staleWarned, list), list))
        {
            LogStaleRevocationList(_logger, list.NextUpdate);
        }

        return list.IsRevoked(certificate) ? PeerFailure.Revoked : PeerFailure.None;
    }

    private static bool IsCertificateAuthority(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(e => e.CertificateAuthority);

    private static bool HasUsage(X509Certificate2 certificate, string oid)
    {
        // Unlike RFC 5280's "no EKU means any use", the trust space always states the usage.
        var usage = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        return usage is not null && usage.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == oid);
    }

    /// <summary>
    /// Whether the certificate names the host a client reached: an IP literal must be one of its
    /// iPAddress entries, a DNS name one of its dNSName entries (RFC 6125 §6.2, §6.4).
    /// </summary>
    private static bool NamesHost(IReadOnlyList<string> dnsNames, IReadOnlyList<System.Net.IPAddress> ipAddresses, string host) =>
        System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address)
            ? ipAddresses.Contains(address)
            : dnsNames.Any(name => DomainNames.Matches(name, host));

    /// <summary>Reads SAN dNSName, iPAddress and rfc822Name entries (RFC 5280 §4.2.1.6).</summary>
    internal static (IReadOnlyList<string> DnsNames, IReadOnlyList<System.Net.IPAddress> IpAddresses, string? Email) ReadSubjectAlternativeNames(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions["2.5.29.17"];
        if (extension is null)
        {
            return ([], [], null);
        }

        var dnsNames = new List<string>();
        var ipAddresses = new X509SubjectAlternativeNameExtension(extension.RawData).EnumerateIPAddresses().ToList();
        string? email = null;
        var names = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
        var rfc822Tag = new Asn1Tag(TagClass.ContextSpecific, 1);
        var dnsTag = new Asn1Tag(TagClass.ContextSpecific, 2);
        while (names.HasData)
        {
            var tag = names.PeekTag();
            if (tag == dnsTag)
            {
                dnsNames.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, dnsTag).ToLowerInvariant());
            }
            else if (tag == rfc822Tag)
            {
                var value = names.ReadCharacterString(UniversalTagNumber.IA5String, rfc822Tag);
                email ??= value;
            }
            else
            {
                names.ReadEncodedValue();
            }
        }

        return (dnsNames, ipAddresses, email);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "No certificate revocation list is available yet; certificates are {Outcome}")]
    private static partial void LogNoRevocationListCore(ILogger logger, string outcome);

    private static void LogNoRevocationList(ILogger logger, bool required) =>
        LogNoRevocationListCore(logger, required ? "refused until one is loaded" : "accepted without a revocation check");

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The certificate revocation list is past its nextUpdate ({NextUpdate}); still using it")]
    private static partial void LogStaleRevocationList(ILogger logger, DateTimeOffset? nextUpdate);
}
