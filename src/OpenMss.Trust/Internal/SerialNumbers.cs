using System.Globalization;

namespace OpenMss.Trust;

/// <summary>Certificate serial numbers as canonical upper-case hexadecimal (no leading zero bytes).</summary>
internal static class SerialNumbers
{
    public static string Normalize(string serialNumber)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serialNumber);
        var hex = serialNumber.Replace(":", string.Empty, StringComparison.Ordinal)
            .Replace(" ", string.Empty, StringComparison.Ordinal)
            .ToUpperInvariant();
        if (hex.Length % 2 == 1)
        {
            hex = "0" + hex;
        }

        if (hex.Length == 0 || !hex.All(Uri.IsHexDigit))
        {
            throw new ArgumentException($"'{serialNumber}' is not a hexadecimal serial number.", nameof(serialNumber));
        }

        return Trim(hex);
    }

    public static string FromBytes(ReadOnlySpan<byte> bigEndian) => Trim(Convert.ToHexString(bigEndian));

    private static string Trim(string hex)
    {
        // DER INTEGER encodings may carry a leading 00 byte to stay positive: it is not part of the number.
        var start = 0;
        while (start + 2 < hex.Length && hex[start] == '0' && hex[start + 1] == '0')
        {
            start += 2;
        }

        return hex[start..].ToString(CultureInfo.InvariantCulture);
    }
}
