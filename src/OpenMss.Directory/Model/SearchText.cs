using System.Globalization;
using System.Text;

namespace OpenMss.Directory;

/// <summary>
/// The normal form the directory searches on: lower case, accents removed (Unicode canonical
/// decomposition, then combining marks dropped), ligatures spelled out, anything but letters and digits
/// turned into single spaces. <c>Hélène</c>, <c>HELENE</c> and <c>hélène</c> all become <c>helene</c>.
/// </summary>
public static class SearchText
{
    /// <summary>Words too common to narrow a search; neither indexed nor required.</summary>
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "de", "du", "des", "la", "le", "les", "et", "en", "au", "aux", "sur", "sous",
    };

    /// <summary>The normal form of <paramref name="text"/>; empty for null or blank input.</summary>
    public static string Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return string.Empty;
        }

        var decomposed = text.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        var pendingSpace = false;
        foreach (var c in decomposed)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                continue;
            }

            if (!char.IsLetterOrDigit(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            switch (c)
            {
                case 'œ' or 'Œ':
                    builder.Append("oe");
                    break;
                case 'æ' or 'Æ':
                    builder.Append("ae");
                    break;
                case 'ß':
                    builder.Append("ss");
                    break;
                default:
                    builder.Append(char.ToLowerInvariant(c));
                    break;
            }
        }

        return builder.ToString();
    }

    /// <summary>The searchable words of <paramref name="text"/>: normalised, without stop words and single letters, distinct.</summary>
    public static IReadOnlyList<string> Words(string? text)
    {
        var normalized = Normalize(text);
        if (normalized.Length == 0)
        {
            return [];
        }

        var words = new List<string>();
        foreach (var word in normalized.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (word.Length > 1 && !StopWords.Contains(word) && !words.Contains(word))
            {
                words.Add(word);
            }
        }

        return words;
    }

    /// <summary>
    /// The exclusive upper bound of the strings that start with <paramref name="prefix"/> under ordinal
    /// (byte-wise UTF-8) comparison: the prefix with its last character incremented. Prefix searches are
    /// then index range scans (<c>column &gt;= prefix AND column &lt; bound</c>) on both backends.
    /// </summary>
    public static string PrefixUpperBound(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return string.Concat(prefix.AsSpan(0, prefix.Length - 1), ((char)(prefix[^1] + 1)).ToString());
    }
}
