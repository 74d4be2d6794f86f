using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace OpenMss.Sasl;

/// <summary>
/// The server's failure challenge of <c>OAUTHBEARER</c> (RFC 7628 §3.2.2), sent base64-encoded in a
/// continuation before the final failure: <c>{"status":"invalid_token","scope":"…","openid-configuration":"…"}</c>.
/// The same JSON serves <c>XOAUTH2</c> clients, which only display it.
/// </summary>
public sealed record OAuthBearerError(string Status, string? Scope = null, Uri? OpenIdConfiguration = null)
{
    /// <summary>Status for a missing, expired, revoked or otherwise refused token (RFC 6750 §3.1).</summary>
    public const string InvalidToken = "invalid_token";

    /// <summary>Status for a malformed request.</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>Status for a token that lacks the scope needed.</summary>
    public const string InsufficientScope = "insufficient_scope";

    /// <summary>The usual challenge: invalid token, the scope a token needs and where to get a new one.</summary>
    public static OAuthBearerError ForInvalidToken(Uri? openIdConfiguration, string? scope) =>
        new(InvalidToken, scope, openIdConfiguration);

    /// <summary>The JSON document.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("status", Status);
            if (Scope is not null)
            {
                writer.WriteString("scope", Scope);
            }

            if (OpenIdConfiguration is not null)
            {
                writer.WriteString("openid-configuration", OpenIdConfiguration.AbsoluteUri);
            }

            writer.WriteEndObject();
        }

        return SaslText.StrictUtf8.GetString(stream.ToArray());
    }

    /// <summary>The JSON document, base64-encoded as a SASL challenge.</summary>
    public string ToBase64() => Convert.ToBase64String(SaslText.StrictUtf8.GetBytes(ToJson()));

    /// <summary>Reads a challenge (for clients and tests).</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, [NotNullWhen(true)] out OAuthBearerError? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        if (json.IsEmpty || json.Length > SaslText.MaximumMessageBytes)
        {
            error = "error response is empty or too long";
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "error response is not a JSON object";
                return false;
            }

            if (!document.RootElement.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(status.GetString()))
            {
                error = "error response has no status";
                return false;
            }

            string? scope = null;
            if (document.RootElement.TryGetProperty("scope", out var scopeElement))
            {
                if (scopeElement.ValueKind != JsonValueKind.String)
                {
                    error = "scope is not a string";
                    return false;
                }

                scope = scopeElement.GetString();
            }

            Uri? configuration = null;
            if (document.RootElement.TryGetProperty("openid-configuration", out var configurationElement))
            {
                if (configurationElement.ValueKind != JsonValueKind.String || !Uri.TryCreate(configurationElement.GetString(), UriKind.Absolute, out configuration))
                {
                    error = "openid-configuration is not an absolute URL";
                    return false;
                }
            }

            result = new OAuthBearerError(status.GetString()!, scope, configuration);
            error = null;
            return true;
        }
        catch (JsonException)
        {
            error = "error response is not valid JSON";
            return false;
        }
    }
}
