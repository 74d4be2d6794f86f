namespace OpenMss.Core.Identifiers;

/// <summary>Shared first steps of identifier parsing: trimming, length and character checks.</summary>
internal static class IdentifierText
{
    /// <summary>Trims <paramref name="input"/> and requires exactly <paramref name="length"/> ASCII digits.</summary>
    public static bool TryDigits(string? input, int length, IdentifierKind kind, out string digits, out IdentifierError error)
    {
        if (!TryTrim(input, kind, out digits, out error))
        {
            return false;
        }

        if (digits.Length != length)
        {
            error = new IdentifierError(kind, IdentifierErrorCode.InvalidLength);
            return false;
        }

        if (!AllDigits(digits))
        {
            error = new IdentifierError(kind, IdentifierErrorCode.InvalidCharacters);
            return false;
        }

        return true;
    }

    public static bool TryTrim(string? input, IdentifierKind kind, out string trimmed, out IdentifierError error)
    {
        trimmed = input?.Trim() ?? string.Empty;
        if (trimmed.Length == 0)
        {
            error = new IdentifierError(kind, IdentifierErrorCode.Empty);
            return false;
        }

        error = IdentifierError.None;
        return true;
    }

    public static bool AllDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The last step shared by keyed identifiers: a wrong key fails a strict parse and is reported as an
    /// anomaly by a lenient one.
    /// </summary>
    public static bool Finish<T>(T candidate, bool keyValid, bool strict, IdentifierKind kind, out T value, out IdentifierError error)
        where T : struct
    {
        error = keyValid ? IdentifierError.None : new IdentifierError(kind, IdentifierErrorCode.InvalidKey);
        if (!keyValid && strict)
        {
            value = default;
            return false;
        }

        value = candidate;
        return true;
    }
}
