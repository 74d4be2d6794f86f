using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace OpenMss.Sasl;

/// <summary>
/// The decoding every SASL client response goes through before its mechanism's grammar (RFC 4422
/// §3.4 and §5): base64 with <c>=</c> for an empty response (RFC 4954 §4, RFC 4959 §3), strict
/// UTF-8 (RFC 3629: an invalid sequence is refused, never replaced), NUL only where a mechanism
/// allows it, and one size limit. SMTP submission and IMAP both go through it, so they accept and
/// refuse exactly the same responses.
/// </summary>
public static class SaslText
{
    /// <summary>
    /// Longest base64 response, in characters: the 12288 octets RFC 4954 §4 allows an SMTP
    /// authentication line, applied to IMAP as well so that both refuse the same responses
    /// (a bearer JWT fits several times over).
    /// </summary>
    public const int MaximumResponseLength = 12288;

    /// <summary>Longest decoded message, in octets: what <see cref="MaximumResponseLength"/> base64 characters carry.</summary>
    public const int MaximumMessageBytes = MaximumResponseLength / 4 * 3;

    /// <summary>UTF-8 that throws on invalid input instead of replacing it (this module references nothing, so it keeps its own).</summary>
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The checks every bearer-token response goes through before its own grammar: not empty, not
    /// larger than <see cref="MaximumMessageBytes"/>, strict UTF-8, no NUL.
    /// </summary>
    internal static bool TryDecodeResponse(ReadOnlySpan<byte> message, string mechanism, [NotNullWhen(true)] out string? text, [NotNullWhen(false)] out string? error)
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

    /// <summary>
    /// RFC 4422 §5: the client cancels an exchange by answering a challenge with <c>*</c>
    /// (RFC 4954 §4, RFC 9051 §6.2.2).
    /// </summary>
    public static bool IsCancellation(string? response) => response == "*";

    /// <summary>Strict UTF-8: false for any invalid sequence (overlong forms, surrogates, truncated characters).</summary>
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

    /// <summary>
    /// Decodes a response as received on the command line or after a challenge; <c>=</c> stands
    /// for an empty response (RFC 4954 §4, RFC 4959 §3).
    /// </summary>
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
        if (trimmed == "=")
        {
            return true;
        }

        if (trimmed.Length > MaximumResponseLength)
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

    /// <summary>
    /// One text field of a response (a LOGIN user name or password, an EXTERNAL authzid): strict
    /// UTF-8, no NUL, at most <see cref="PlainMessage.MaximumFieldBytes"/> octets like a PLAIN field.
    /// </summary>
    internal static bool TryDecodeField(ReadOnlySpan<byte> bytes, string what, out string text, [NotNullWhen(false)] out string? error)
    {
        text = string.Empty;
        if (bytes.Length > PlainMessage.MaximumFieldBytes)
        {
            error = $"{what} longer than 255 octets";
            return false;
        }

        if (bytes.IndexOf((byte)0) >= 0)
        {
            error = $"{what} contains NUL";
            return false;
        }

        if (!TryDecodeUtf8(bytes, out text))
        {
            error = $"{what} is not valid UTF-8";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>One <c>key=value</c> pair of the OAUTHBEARER and XOAUTH2 responses (RFC 7628 §3.1 kvpair); the key is not empty.</summary>
    internal static bool TrySplitPair(string pair, out string key, out string value, [NotNullWhen(false)] out string? error)
    {
        var equals = pair.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            key = value = string.Empty;
            error = "malformed key/value pair";
            return false;
        }

        key = pair[..equals];
        value = pair[(equals + 1)..];
        error = null;
        return true;
    }

    /// <summary>RFC 6750 §2.1 b64token: the characters a bearer token may have.</summary>
    internal static bool IsB64Token(ReadOnlySpan<char> token)
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
    internal static bool TryReadBearer(string value, out string token, [NotNullWhen(false)] out string? error)
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
