using OpenMss.Core.Identifiers;

namespace OpenMss.Identity.Validation;

/// <summary>
/// The result of checking an access token (<see cref="AccessTokenValidator.ValidateAsync"/>): who it
/// designates when valid, or a short English reason for logs when not. Never holds the token.
/// </summary>
public sealed record TokenCheck
{
    /// <summary>True when signature, issuer, audience, lifetime (and scope, if required) are right.</summary>
    public bool IsValid { get; init; }

    /// <summary>The subject (<c>sub</c>, or the configured claim): the idNat_PS for a professional, the client id for client credentials.</summary>
    public string? Subject { get; init; }

    /// <summary>The patient's INS matricule (the <c>ins</c> claim) when the validator accepts patients' tokens. Health data: never log it.</summary>
    public string? Ins { get; init; }

    /// <summary>The RPPS number: the <c>rpps</c> claim, or the number inside an RPPS-based idNat_PS subject.</summary>
    public string? Rpps { get; init; }

    /// <summary>The <c>name</c> claim (or given and family names).</summary>
    public string? Name { get; init; }

    /// <summary>The client the token was issued to (<c>client_id</c> or <c>azp</c>), when the token says.</summary>
    public string? ClientId { get; init; }

    /// <summary>The scopes granted (<c>scope</c> or <c>scp</c>).</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>When the token expires.</summary>
    public DateTimeOffset? Expires { get; init; }

    /// <summary>Why the token was refused, in a few English words for logs (never the token itself).</summary>
    public string? Failure { get; init; }

    /// <summary>
    /// The token could not be checked because the issuer (its metadata, keys or introspection
    /// endpoint) did not answer: a temporary failure of the server, not a wrong credential, so it
    /// must not count towards the client's failed attempts.
    /// </summary>
    public bool IssuerUnavailable { get; init; }

    /// <summary>The subject as an idNat_PS when it is one (a professional rather than a client).</summary>
    public IdNatPs? Professional => Subject is not null && IdNatPs.TryParse(Subject, out var id, out _) ? id : null;

    /// <summary>Neither the subject nor the INS: a patient's subject is their INS, which no log may carry.</summary>
    public override string ToString() => IsValid ? "TokenCheck { valid }" : $"TokenCheck {{ invalid: {Failure} }}";

    internal static TokenCheck Invalid(string failure) => new() { IsValid = false, Failure = failure };
}
