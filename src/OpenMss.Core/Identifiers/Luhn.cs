namespace OpenMss.Core.Identifiers;

/// <summary>
/// The Luhn (mod 10) check digit (ISO/IEC 7812-1 annex B), used by RPPS, FINESS and SIRET numbers.
/// </summary>
public static class Luhn
{
    /// <summary>
    /// Whether <paramref name="digits"/> (payload followed by its check digit) satisfies Luhn.
    /// False for an empty span or any character that is not an ASCII digit.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<char> digits)
    {
        if (digits.IsEmpty)
        {
            return false;
        }

        var sum = 0;
        var doubled = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var c = digits[i];
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            sum += Weigh(c - '0', doubled);
            doubled = !doubled;
        }

        return sum % 10 == 0;
    }

    /// <summary>The check digit (0–9) to append to <paramref name="payload"/> (ASCII digits only).</summary>
    /// <exception cref="ArgumentException">The payload is empty or holds a character other than an ASCII digit.</exception>
    public static int ComputeCheckDigit(ReadOnlySpan<char> payload)
    {
        if (payload.IsEmpty)
        {
            throw new ArgumentException("The payload is empty.", nameof(payload));
        }

        // The check digit will sit at the rightmost position, so the payload's last digit is doubled.
        var sum = 0;
        var doubled = true;
        for (var i = payload.Length - 1; i >= 0; i--)
        {
            var c = payload[i];
            if (!char.IsAsciiDigit(c))
            {
                throw new ArgumentException("The payload must hold ASCII digits only.", nameof(payload));
            }

            sum += Weigh(c - '0', doubled);
            doubled = !doubled;
        }

        return (10 - (sum % 10)) % 10;
    }

    private static int Weigh(int digit, bool doubled)
    {
        if (!doubled)
        {
            return digit;
        }

        var d = digit * 2;
        return d > 9 ? d - 9 : d;
    }
}
