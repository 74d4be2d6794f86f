using System.Security.Cryptography.X509Certificates;

namespace OpenMss.Identity.Validation;

/// <summary>Configuration of an <see cref="AccessTokenValidator"/>.</summary>
public sealed class AccessTokenValidatorOptions
{
    /// <summary>The issuer URL: this provider's <see cref="IdentityProvider.Issuer"/> or any OpenID Connect issuer that issues JWT access tokens.</summary>
    public required Uri Issuer { get; init; }

    /// <summary>The audience tokens must carry. Default <see cref="IdentityProtocol.MailAudience"/>; a patient space sets <see cref="IdentityProtocol.PatientMailAudience"/>.</summary>
    public string Audience { get; init; } = IdentityProtocol.MailAudience;

    /// <summary>
    /// Whose tokens are accepted: professionals' (the default; a token with an <c>ins</c> claim is
    /// refused) or patients' (the patient space; a token must carry a valid <c>ins</c> claim equal to
    /// its subject). Together with <see cref="Audience"/> this keeps a patient's token out of a
    /// professional's mailbox and the reverse.
    /// </summary>
    public TokenHolder Holder { get; init; } = TokenHolder.Professional;

    /// <summary>A scope tokens must carry, or null for none (the audience already limits what a token is for).</summary>
    public string? RequiredScope { get; init; }

    /// <summary>The claim that names the user. Default <c>sub</c>; an external issuer may put the idNat_PS elsewhere (e.g. <c>preferred_username</c>).</summary>
    public string SubjectClaim { get; init; } = "sub";

    /// <summary>Discovery document URL; default <c>{Issuer}/.well-known/openid-configuration</c>.</summary>
    public Uri? MetadataAddress { get; init; }

    /// <summary>
    /// The trust space's root certificate: HTTPS to the issuer is also accepted when the issuer's
    /// certificate chains to it (and names the host). Publicly trusted certificates are accepted as usual.
    /// </summary>
    public X509Certificate2? TrustAnchor { get; init; }

    /// <summary>The handler for discovery and JWKS requests (tests, proxies). When set, <see cref="TrustAnchor"/> is not used.</summary>
    public HttpMessageHandler? BackchannelHandler { get; init; }

    /// <summary>The clock against which <c>exp</c>, <c>nbf</c> and the caches are checked; the system's by default.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Tolerance on <c>exp</c> and <c>nbf</c> for clocks that differ. Default 1 minute.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long discovery and keys are kept before being fetched again. Default 1 hour.</summary>
    public TimeSpan MetadataRefreshInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The client id with which to ask the issuer's introspection endpoint (RFC 7662) whether a
    /// token that passed the local checks is still active: set it to refuse, within
    /// <see cref="IntrospectionCacheDuration"/>, the tokens of a professional whose account was
    /// disabled or deleted since the token was issued. Null (the default): local checks only, a token
    /// stays usable until it expires. With this provider, register the client with
    /// <see cref="IdentityClient.AllowIntrospection"/>; with an external issuer, use the client it
    /// registered for the mail servers (RFC 7662 §2.1 requires client authentication).
    /// </summary>
    public string? IntrospectionClientId { get; init; }

    /// <summary>The secret of <see cref="IntrospectionClientId"/>, sent with HTTP Basic authentication (RFC 6749 §2.3.1).</summary>
    public string? IntrospectionClientSecret { get; init; }

    /// <summary>The introspection endpoint; default the discovery document's <c>introspection_endpoint</c>.</summary>
    public Uri? IntrospectionEndpoint { get; init; }

    /// <summary>
    /// How long an introspection answer is reused for the same token (never longer than the token
    /// lives), so a busy IMAP server does not ask for every command. Default 30 seconds; at most 5 minutes.
    /// It bounds how long a disabled account's token may still be accepted.
    /// </summary>
    public TimeSpan IntrospectionCacheDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Smallest time between two fetches forced by a token signed with an unknown key (key rotation),
    /// so that forged tokens cannot make the validator hammer the issuer. Default 30 seconds.
    /// </summary>
    public TimeSpan MinimumRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>Whose access tokens a mail server accepts.</summary>
public enum TokenHolder
{
    /// <summary>Health professionals (and clients with client credentials): the operators' IMAP and submission.</summary>
    Professional,

    /// <summary>Patients of Mon espace santé: the patient space's IMAP, submission and portal.</summary>
    Patient,
}
