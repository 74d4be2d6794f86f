using System.Text.RegularExpressions;

namespace OpenMss.Queue.Delivery;

/// <summary>Reads the outcome of an SMTP reply: its class and its RFC 3463 enhanced status code.</summary>
internal static partial class SmtpReply
{
    public static bool IsPositive(int code) => code is >= 200 and < 400;

    public static bool IsPermanent(int code) => code is >= 500 and < 600;

    /// <summary>
    /// The enhanced status code of a reply (RFC 2034), or <c>X.0.0</c> from the basic code when
    /// the server gave none or one whose class contradicts the basic code.
    /// </summary>
    public static string Status(int code, string? text)
    {
        var replyClass = code / 100;
        if (text is not null)
        {
            var match = EnhancedCode().Match(text);
            if (match.Success && match.Groups[1].Value[0] - '0' == replyClass)
            {
                return match.Value;
            }
        }

        return replyClass is 2 or 4 or 5 ? $"{replyClass}.0.0" : "4.0.0";
    }

    /// <summary>The RFC 3464 <c>Diagnostic-Code</c> value of a reply: <c>smtp; 550 5.1.1 text</c>.</summary>
    public static string Diagnostic(int code, string? text) => $"smtp; {code} {OneLine(text)}".TrimEnd();

    /// <summary>Multi-line replies become one line; control characters are dropped.</summary>
    public static string OneLine(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var chars = text.Select(c => char.IsControl(c) ? ' ' : c).ToArray();
        return MultipleSpaces().Replace(new string(chars), " ").Trim();
    }

    [GeneratedRegex(@"^([245])\.\d{1,3}\.\d{1,3}(?=\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex EnhancedCode();

    [GeneratedRegex(@"\s{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex MultipleSpaces();
}
