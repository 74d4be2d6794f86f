using OpenMss.Core.Identifiers;

namespace OpenMss.Identity.Tests.Support;

/// <summary>Valid RPPS numbers (Luhn key computed) that no two tests share.</summary>
public static class TestIdentifiers
{
    private static int next = Random.Shared.Next(100_000, 900_000);

    public static string NewRpps()
    {
        var payload = "10" + Interlocked.Increment(ref next).ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
        return payload + Luhn.ComputeCheckDigit(payload);
    }

    /// <summary>The same number with its key digit changed: wrong key.</summary>
    public static string WithWrongKey(string rpps) => rpps[..^1] + (char)('0' + ((rpps[^1] - '0' + 1) % 10));
}

/// <summary>Valid INS matricules (key computed) that no two tests share.</summary>
public static class TestIns
{
    private static int next = Random.Shared.Next(100_000, 900_000);

    public static string NewIns()
    {
        var serial = Interlocked.Increment(ref next).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        return InsMatricule.FromNir("1850575" + serial).Value;
    }
}
