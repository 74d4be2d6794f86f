using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace OpenMss.Trust;

/// <summary>A revoked certificate listed in a CRL.</summary>
/// <param name="SerialNumber">Upper-case hexadecimal, no leading zero bytes.</param>
/// <param name="RevokedAt">The revocation date the authority recorded.</param>
public sealed record RevokedCertificate(string SerialNumber, DateTimeOffset RevokedAt);

/// <summary>Where the validator gets the current CRL from.</summary>
public interface IRevocationSource
{
    /// <summary>The last good CRL, or <see langword="null"/> when none could be loaded yet.</summary>
    RevocationList? Current { get; }
}

/// <summary>
/// A parsed and verified X.509 CRL (RFC 5280 §5): the serial numbers the trust authority revoked,
/// its thisUpdate/nextUpdate and CRL number. Only a CRL whose signature verifies against the trust
/// anchor is ever built. It is its own <see cref="IRevocationSource"/> for a fixed list.
/// </summary>
public sealed class RevocationList : IRevocationSource
{
    private readonly Dictionary<string, RevokedCertificate> _entries;

    private RevocationList(
        X500DistinguishedName issuer,
        DateTimeOffset thisUpdate,
        DateTimeOffset? nextUpdate,
        BigInteger? crlNumber,
        Dictionary<string, RevokedCertificate> entries)
    {
        Issuer = issuer;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        CrlNumber = crlNumber;
        _entries = entries;
    }

    /// <summary>The CRL issuer (the trust anchor's subject).</summary>
    public X500DistinguishedName Issuer { get; }

    public DateTimeOffset ThisUpdate { get; }

    public DateTimeOffset? NextUpdate { get; }

    /// <summary>The cRLNumber extension (RFC 5280 §5.2.3), when present.</summary>
    public BigInteger? CrlNumber { get; }

    public IReadOnlyCollection<RevokedCertificate> Entries => _entries.Values;

    RevocationList? IRevocationSource.Current => this;

    /// <summary>Whether the CRL is past its nextUpdate at <paramref name="now"/>.</summary>
    public bool IsStale(DateTimeOffset now) => NextUpdate is { } next && now > next;

    /// <summary>Whether the certificate's serial number is listed.</summary>
    public bool IsRevoked(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return _entries.ContainsKey(SerialNumbers.Normalize(certificate.SerialNumber));
    }

    /// <summary>Whether the serial number (hexadecimal) is listed.</summary>
    public bool IsRevoked(string serialNumber) => _entries.ContainsKey(SerialNumbers.Normalize(serialNumber));

    /// <summary>
    /// Parses a CRL in DER or PEM form and verifies that <paramref name="issuer"/> signed it.
    /// </summary>
    /// <exception cref="CryptographicException">Not a CRL, issued by someone else, or a bad signature.</exception>
    public static RevocationList Parse(ReadOnlySpan<byte> derOrPem, X509Certificate2 issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        var der = ToDer(derOrPem);
        try
        {
            return ParseDer(der, issuer);
        }
        catch (AsnContentException ex)
        {
            throw new CryptographicException("The CRL is not valid DER.", ex);
        }
    }

    private static byte[] ToDer(ReadOnlySpan<byte> data)
    {
        if (data.Length > 0 && data[0] == 0x30)
        {
            return data.ToArray();
        }

        var text = Encoding.ASCII.GetString(data);
        foreach (var label in new[] { "X509 CRL", "CRL" })
        {
            var begin = $"-----BEGIN {label}-----";
            var start = text.IndexOf(begin, StringComparison.Ordinal);
            if (start < 0)
            {
                continue;
            }

            if (PemEncoding.TryFind(text.AsSpan(start), out var fields))
            {
                return Convert.FromBase64String(text.AsSpan(start)[fields.Base64Data].ToString());
            }
        }

        throw new CryptographicException("The data is neither a DER nor a PEM CRL.");
    }

    private static RevocationList ParseDer(byte[] der, X509Certificate2 issuer)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var certificateList = outer.ReadSequence();
        outer.ThrowIfNotEmpty();

        var tbsBytes = certificateList.ReadEncodedValue();
        var signatureAlgorithm = ReadAlgorithm(certificateList);
        var signature = certificateList.ReadBitString(out var unusedBits);
        certificateList.ThrowIfNotEmpty();
        if (unusedBits != 0)
        {
            throw new CryptographicException("The CRL signature is malformed.");
        }

        var tbs = new AsnReader(tbsBytes, AsnEncodingRules.DER).ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            tbs.ReadInteger();
        }

        var innerAlgorithm = ReadAlgorithm(tbs);
        if (innerAlgorithm != signatureAlgorithm)
        {
            throw new CryptographicException("The CRL signature algorithms disagree.");
        }

        var issuerName = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
        if (!issuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData))
        {
            throw new CryptographicException("The CRL was not issued by the trust anchor.");
        }

        VerifySignature(issuer, signatureAlgorithm, tbsBytes.Span, signature);

        var thisUpdate = ReadTime(tbs);
        DateTimeOffset? nextUpdate = null;
        if (tbs.HasData && IsTime(tbs.PeekTag()))
        {
            nextUpdate = ReadTime(tbs);
        }

        var entries = new Dictionary<string, RevokedCertificate>(StringComparer.Ordinal);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var revoked = tbs.ReadSequence();
            while (revoked.HasData)
            {
                var entry = revoked.ReadSequence();
                var serial = SerialNumbers.FromBytes(entry.ReadIntegerBytes().Span);
                var date = ReadTime(entry);
                entries[serial] = new RevokedCertificate(serial, date);
            }
        }

        BigInteger? crlNumber = null;
        var extensionsTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(extensionsTag))
        {
            var extensions = tbs.ReadSequence(extensionsTag).ReadSequence();
            while (extensions.HasData)
            {
                var extension = extensions.ReadSequence();
                var oid = extension.ReadObjectIdentifier();
                if (extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
                {
                    extension.ReadBoolean();
                }

                var value = extension.ReadOctetString();
                if (oid == "2.5.29.20")
                {
                    crlNumber = new AsnReader(value, AsnEncodingRules.DER).ReadInteger();
                }
            }
        }

        return new RevocationList(issuerName, thisUpdate, nextUpdate, crlNumber, entries);
    }

    private static string ReadAlgorithm(AsnReader reader)
    {
        var algorithm = reader.ReadSequence();
        var oid = algorithm.ReadObjectIdentifier();
        // Parameters (NULL for RSA PKCS#1, absent for ECDSA) are not needed to verify.
        return oid;
    }

    private static void VerifySignature(X509Certificate2 issuer, string algorithm, ReadOnlySpan<byte> tbs, byte[] signature)
    {
        bool valid;
        switch (algorithm)
        {
            case "1.2.840.113549.1.1.11":
            case "1.2.840.113549.1.1.12":
            case "1.2.840.113549.1.1.13":
            {
                using var rsa = issuer.GetRSAPublicKey() ?? throw new CryptographicException("The CRL is signed with RSA but the trust anchor has no RSA key.");
                valid = rsa.VerifyData(tbs, signature, HashFor(algorithm), RSASignaturePadding.Pkcs1);
                break;
            }

            case "1.2.840.10045.4.3.2":
            case "1.2.840.10045.4.3.3":
            case "1.2.840.10045.4.3.4":
            {
                using var ecdsa = issuer.GetECDsaPublicKey() ?? throw new CryptographicException("The CRL is signed with ECDSA but the trust anchor has no EC key.");
                valid = ecdsa.VerifyData(tbs, signature, HashFor(algorithm), DSASignatureFormat.Rfc3279DerSequence);
                break;
            }

            default:
                throw new CryptographicException($"The CRL signature algorithm {algorithm} is not supported.");
        }

        if (!valid)
        {
            throw new CryptographicException("The CRL signature does not verify against the trust anchor.");
        }
    }

    private static HashAlgorithmName HashFor(string algorithm) => algorithm switch
    {
        "1.2.840.113549.1.1.11" or "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
        "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };

    private static bool IsTime(Asn1Tag tag) =>
        tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime)
            ? reader.ReadUtcTime()
            : reader.ReadGeneralizedTime();
}
