using System.Diagnostics.CodeAnalysis;

namespace OpenMss.Sasl;

/// <summary>
/// The client response of the SASL <c>EXTERNAL</c> mechanism (RFC 4422 appendix A): the
/// authorization identity, UTF-8, possibly empty (then the identity is the one the TLS client
/// certificate establishes). Checked like a PLAIN field (RFC 4616 §2: no NUL, at most 255 octets).
/// </summary>
public sealed class ExternalMessage
{
    private ExternalMessage(string? authorizationIdentity) => AuthorizationIdentity = authorizationIdentity;

    /// <summary>The identity to act as; null when the response is empty.</summary>
    public string? AuthorizationIdentity { get; }

    /// <summary>Parses a base64 client response (<c>=</c> for an empty one) as received in an IMAP/SMTP command line.</summary>
    public static bool TryParseBase64(string? base64, [NotNullWhen(true)] out ExternalMessage? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        if (!SaslText.TryDecodeBase64(base64, out var bytes, out error) || !SaslText.TryDecodeField(bytes, "EXTERNAL authorization identity", out var text, out error))
        {
            return false;
        }

        result = new ExternalMessage(text.Length == 0 ? null : text);
        return true;
    }

    public override string ToString() => $"EXTERNAL authzid={AuthorizationIdentity ?? "(none)"}";
}
