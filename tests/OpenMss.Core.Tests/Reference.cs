using System.Globalization;
using System.Numerics;

namespace OpenMss.Core.Tests;

/// <summary>
/// Check keys computed from their definitions, independently of the code under test, so that a test
/// number is right because of the rule and not because of the implementation.
/// </summary>
internal static class Reference
{
    /// <summary>Luhn from its definition: from the right, every second digit doubled, the digits of all products summed.</summary>
    public static bool LuhnHolds(string digits)
    {
        var sum = 0;
        for (var position = 0; position < digits.Length; position++)
        {
            var digit = digits[digits.Length - 1 - position] - '0';
            var product = position % 2 == 1 ? digit * 2 : digit;
            sum += (product / 10) + (product % 10);
        }

        return sum % 10 == 0;
    }

    /// <summary>The Luhn key of a payload, found by trying the ten digits.</summary>
    public static char LuhnKey(string payload)
        => "0123456789".Single(k => LuhnHolds(payload + k));

    /// <summary>A payload followed by its Luhn key.</summary>
    public static string WithLuhnKey(string payload) => payload + LuhnKey(payload);

    /// <summary>A key digit that Luhn rejects for this payload.</summary>
    public static char WrongLuhnKey(string payload) => (char)('0' + ((LuhnKey(payload) - '0' + 1) % 10));

    /// <summary>INS key: 97 − (NIR mod 97), the NIR read as a number with 2A → 19 and 2B → 18.</summary>
    public static string InsKey(string nir)
    {
        var numeric = nir[..5] + nir.Substring(5, 2).ToUpperInvariant() switch
        {
            "2A" => "19",
            "2B" => "18",
            var department => department,
        } + nir[7..];
        var remainder = (int)(BigInteger.Parse(numeric, CultureInfo.InvariantCulture) % 97);
        return (97 - remainder).ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>A 2-digit key that is not the INS key of this NIR.</summary>
    public static string WrongInsKey(string nir)
    {
        var right = int.Parse(InsKey(nir), CultureInfo.InvariantCulture);
        return ((right % 97) + 1).ToString("00", CultureInfo.InvariantCulture);
    }

    public static T ParseAsParsable<T>(string s) where T : IParsable<T> => T.Parse(s, CultureInfo.InvariantCulture);

    public static bool TryParseAsParsable<T>(string? s, out T? value) where T : IParsable<T>
        => T.TryParse(s, CultureInfo.InvariantCulture, out value);
}
