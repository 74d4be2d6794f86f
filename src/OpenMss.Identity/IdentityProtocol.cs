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

    /// <summary>Claim with the RPPS number (11 digits) of the professional.</summary>
    public const string RppsClaim = "rpps";

    /// <summary>Claim with the ADELI number of a professional known by ADELI only.</summary>
    public const string AdeliClaim = "adeli";

    /// <summary>
    /// Form field of the token request that carries the one-time code in the password grant:
    /// <c>grant_type=password&amp;username=&lt;RPPS&gt;&amp;password=&lt;password&gt;&amp;otp=&lt;6 digits&gt;</c>.
    /// </summary>
    public const string OneTimeCodeParameter = "otp";

    /// <summary>Scopes the provider knows: <c>openid profile mail offline_access</c>.</summary>
    public static IReadOnlyList<string> SupportedScopes { get; } = ["openid", "profile", MailScope, "offline_access"];

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
