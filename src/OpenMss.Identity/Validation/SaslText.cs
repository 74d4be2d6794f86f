using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace OpenMss.Identity.Validation;

/// <summary>Shared pieces of the SASL message parsers: strict UTF-8 and base64 decoding.</summary>
internal static class SaslText
{
    /// <summary>SASL messages larger than this are refused (a JWT fits many times over).</summary>
    public const int MaximumMessageBytes = 64 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The checks every bearer-token response goes through before its own grammar: not empty, not
    /// larger than <see cref="MaximumMessageBytes"/>, strict UTF-8, no NUL.
    /// </summary>
    public static bool TryDecodeResponse(ReadOnlySpan<byte> message, string mechanism, [NotNullWhen(true)] out string? text, [NotNullWhen(false)] out string? error)
    {
        text = null;
        if (message.IsEmpty)
        {
            error = $"empty {mechanism} response";
            return false;
        }

        if (message.Length > MaximumMessageBytes)
        {
            error = $"{mechanism} response too long";
            return false;
        }

        if (!TryDecodeUtf8(message, out var decoded))
        {
            error = $"{mechanism} response is not valid UTF-8";
            return false;
        }

        if (decoded.Contains('\0', StringComparison.Ordinal))
        {
            error = $"{mechanism} response contains NUL";
            return false;
        }

        text = decoded;
        error = null;
        return true;
    }

    public static bool TryDecodeUtf8(ReadOnlySpan<byte> bytes, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = string.Empty;
            return false;
        }
    }

    public static bool TryDecodeBase64(string? base64, out byte[] bytes, [NotNullWhen(false)] out string? error)
    {
        bytes = [];
        error = null;
        if (base64 is null)
        {
            error = "no data";
            return false;
        }

        var trimmed = base64.Trim();
        if (trimmed.Length > (MaximumMessageBytes + 2) / 3 * 4)
        {
            error = "message too long";
            return false;
        }

        var buffer = new byte[(trimmed.Length + 3) / 4 * 3];
        if (!Convert.TryFromBase64String(trimmed, buffer, out var written))
        {
            error = "not valid base64";
            return false;
        }

        bytes = buffer[..written];
        return true;
    }

    /// <summary>RFC 6750 §2.1 b64token: the characters a bearer token may have.</summary>
    public static bool IsB64Token(ReadOnlySpan<char> token)
    {
        if (token.IsEmpty)
        {
            return false;
        }

        var end = token.Length;
        while (end > 0 && token[end - 1] == '=')
        {
            end--;
        }

        if (end == 0)
        {
            return false;
        }

        foreach (var c in token[..end])
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '+' or '/'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads <c>Bearer &lt;token&gt;</c> (scheme case-insensitive, RFC 7235 §2.1).</summary>
    public static bool TryReadBearer(string value, out string token, [NotNullWhen(false)] out string? error)
    {
        token = string.Empty;
        const string Scheme = "Bearer";
        if (!value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || value.Length == Scheme.Length || value[Scheme.Length] != ' ')
        {
            error = "auth value is not a Bearer credential";
            return false;
        }

        var candidate = value[Scheme.Length..].TrimStart(' ');
        if (!IsB64Token(candidate))
        {
            error = "bearer token has characters outside RFC 6750 b64token";
            return false;
        }

        token = candidate;
        error = null;
        return true;
    }
}
