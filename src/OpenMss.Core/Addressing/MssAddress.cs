using System.Diagnostics.CodeAnalysis;

namespace OpenMss.Core.Addressing;

/// <summary>
/// An MSSanté mailbox address, <c>local@domain</c> with the domain strictly under <c>.mssante.fr</c>
/// (ANS, MSSanté référentiel #1, client). The local part is an RFC 5321 §4.1.2 dot-atom (no quoted
/// strings, ASCII only) of at most 64 octets, the whole address at most 254 octets (RFC 5321 §4.5.3.1.3:
/// a path is 256 octets with its angle brackets). The address is kept in lower case with the domain normalised
/// (<see cref="MssDomains.Normalize"/>): mailbox names are case-insensitive in the trust space, and one
/// canonical form is what stores and directories compare.
/// </summary>
/// <remarks>
/// Only the syntax is checked here; whether the mailbox exists or the domain is whitelisted is decided
/// elsewhere. <c>default</c> is not a valid address; obtain values from the parse methods.
/// </remarks>
public readonly record struct MssAddress : IParsable<MssAddress>
{
    /// <summary>Maximum length of the local part, in octets.</summary>
    public const int MaxLocalPartLength = 64;

    /// <summary>Maximum length of the address, in octets.</summary>
    public const int MaxLength = 254;

    private MssAddress(string localPart, string domain)
    {
        LocalPart = localPart;
        Domain = domain;
        Value = localPart + "@" + domain;
    }

    /// <summary>The whole address, lower case.</summary>
    public string Value { get; }

    /// <summary>The part before <c>@</c>, lower case.</summary>
    public string LocalPart { get; }

    /// <summary>The normalised domain (lower-case ASCII, punycode for internationalised labels).</summary>
    public string Domain { get; }

    /// <summary>Whether this is an address of the patient domain (<see cref="MssDomains.Patient"/>).</summary>
    public bool IsPatientDomain => string.Equals(Domain, MssDomains.Patient, StringComparison.Ordinal);

    /// <summary>Parses an address; surrounding whitespace is ignored.</summary>
    public static bool TryParse([NotNullWhen(true)] string? input, out MssAddress address, out AddressError error)
    {
        address = default;
        error = AddressError.None;
        var text = input?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return Fail(AddressErrorCode.Empty, out error);
        }

        // Non-ASCII domains shrink or grow on normalisation; bound the raw text loosely, check exactly later.
        if (text.Length > MaxLength * 4)
        {
            return Fail(AddressErrorCode.AddressTooLong, out error);
        }

        var at = text.LastIndexOf('@');
        if (at < 0)
        {
            return Fail(AddressErrorCode.MissingAt, out error);
        }

        var local = text.AsSpan(0, at);
        if (local.IsEmpty)
        {
            return Fail(AddressErrorCode.EmptyLocalPart, out error);
        }

        if (!IsDotAtom(local))
        {
            return Fail(AddressErrorCode.InvalidLocalPart, out error);
        }

        if (local.Length > MaxLocalPartLength)
        {
            return Fail(AddressErrorCode.LocalPartTooLong, out error);
        }

        if (!MssDomains.TryNormalizeExact(text[(at + 1)..], out var domain))
        {
            return Fail(AddressErrorCode.InvalidDomain, out error);
        }

        if (string.Equals(domain, MssDomains.Root, StringComparison.Ordinal))
        {
            return Fail(AddressErrorCode.TrustSpaceRoot, out error);
        }

        if (!MssDomains.IsUnderRoot(domain))
        {
            return Fail(AddressErrorCode.NotTrustSpaceDomain, out error);
        }

        if (local.Length + 1 + domain.Length > MaxLength)
        {
            return Fail(AddressErrorCode.AddressTooLong, out error);
        }

        address = new MssAddress(local.ToString().ToLowerInvariant(), domain);
        return true;
    }

    /// <summary>Parses an address.</summary>
    /// <exception cref="AddressFormatException">Not a valid MSSanté address.</exception>
    public static MssAddress Parse(string input)
        => TryParse(input, out var address, out var error) ? address : throw new AddressFormatException(error);

    static MssAddress IParsable<MssAddress>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static bool IParsable<MssAddress>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out MssAddress result)
        => TryParse(s, out result, out _);

    /// <inheritdoc/>
    public override string ToString() => Value ?? string.Empty;

    /// <summary>Builds an address from parts already validated and normalised.</summary>
    internal static MssAddress FromValidatedParts(string localPart, string domain) => new(localPart, domain);

    private static bool Fail(AddressErrorCode code, out AddressError error)
    {
        error = new AddressError(code);
        return false;
    }

    /// <summary>RFC 5322 §3.2.3 dot-atom-text: atext runs separated by single dots.</summary>
    private static bool IsDotAtom(ReadOnlySpan<char> local)
    {
        var previousWasDot = true; // a leading dot is as wrong as a double one
        foreach (var c in local)
        {
            if (c == '.')
            {
                if (previousWasDot)
                {
                    return false;
                }

                previousWasDot = true;
                continue;
            }

            if (!IsAtext(c))
            {
                return false;
            }

            previousWasDot = false;
        }

        return !previousWasDot;
    }

    private static bool IsAtext(char c)
        => char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '/'
            or '=' or '?' or '^' or '_' or '`' or '{' or '|' or '}' or '~';
}
