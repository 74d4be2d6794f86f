namespace OpenMss.Identity;

/// <summary>
/// Names shared by the provider, its clients and the mail servers that accept its tokens.
/// </summary>
public static class IdentityProtocol
{
    /// <summary>Scope that grants access to mailboxes (IMAP, submission).</summary>
    public const string MailScope = "mail";

    /// <summary>Audience (<c>aud</c>, the OAuth resource) of access tokens that carry <see cref="MailScope"/>.</summary>
    public const string MailAudience = "openmss-mail";

    /// <summary>Scope that grants a patient access to their own mailbox at the patient space (IMAP, submission, portal).</summary>
    public const string PatientMailScope = "patient-mail";

    /// <summary>Audience of access tokens that carry <see cref="PatientMailScope"/>: only the patient space accepts them.</summary>
    public const string PatientMailAudience = "openmss-patient-mail";

    /// <summary>Claim with the patient's INS matricule (15 characters) in patient tokens.</summary>
    public const string InsClaim = "ins";

    /// <summary>Claim of the sign-in session cookie that marks a patient (absent for a professional).</summary>
    internal const string AccountKindClaim = "openmss_kind";

    internal const string PatientKind = "patient";

    /// <summary>Claim with the RPPS number (11 digits) of the professional.</summary>
    public const string RppsClaim = "rpps";

    /// <summary>Claim with the ADELI number of a professional known by ADELI only.</summary>
    public const string AdeliClaim = "adeli";

    /// <summary>
    /// Form field of the token request that carries the one-time code in the password grant:
    /// <c>grant_type=password&amp;username=&lt;RPPS&gt;&amp;password=&lt;password&gt;&amp;otp=&lt;6 digits&gt;</c>.
    /// </summary>
    public const string OneTimeCodeParameter = "otp";

    /// <summary>Scopes the provider knows: <c>openid profile mail patient-mail offline_access</c>.</summary>
    public static IReadOnlyList<string> SupportedScopes { get; } = ["openid", "profile", MailScope, PatientMailScope, "offline_access"];

    /// <summary>Path the patient sign-in form (INS and password) posts to.</summary>
    public const string PatientSignInPath = "/connect/patient/signin";

    /// <summary>Path the patient's one-time code form posts to.</summary>
    public const string PatientCodePath = "/connect/patient/code";

    /// <summary>Path of the authorization endpoint.</summary>
    public const string AuthorizationPath = "/connect/authorize";

    /// <summary>Path the sign-in form posts to.</summary>
    public const string SignInPath = "/connect/signin";

    /// <summary>Path of the token endpoint.</summary>
    public const string TokenPath = "/connect/token";

    /// <summary>Path of the UserInfo endpoint.</summary>
    public const string UserInfoPath = "/connect/userinfo";

    /// <summary>Path of the token introspection endpoint (RFC 7662), for mail servers registered with <see cref="IdentityClient.AllowIntrospection"/>.</summary>
    public const string IntrospectionPath = "/connect/introspect";

    /// <summary>Path of the end-session (sign-out) endpoint.</summary>
    public const string EndSessionPath = "/connect/logout";
}
