using System.Text;
using Xunit;

namespace OpenMss.Testing.Sasl;

/// <summary>What a client observes at the end of one SASL exchange.</summary>
public enum SaslOutcome
{
    /// <summary>Authenticated: SMTP <c>235</c>, IMAP <c>OK</c>.</summary>
    Accepted,

    /// <summary>The response itself is refused (syntax, encoding, size, cancellation) before any credential is checked: SMTP <c>501</c>/<c>500</c>, IMAP <c>BAD</c>.</summary>
    Malformed,

    /// <summary>Well formed, but the credentials or the requested authorization are refused: SMTP <c>535</c>, IMAP <c>NO</c>.</summary>
    Refused,
}

/// <summary>
/// The identities a server's test authenticator knows: a user with a password and a valid token,
/// their own mailbox, a shared mailbox they are a member of and a mailbox they may not use.
/// </summary>
public sealed record SaslAccount(string User, string Password, string Token, string Mailbox, string MemberOf, string NotMemberOf);

/// <summary>One SASL client response and the outcome every server must give it.</summary>
/// <param name="AfterChallenge">True to send the mechanism alone and the response after the server's empty challenge; false to send it as the initial response (RFC 4954, RFC 4959).</param>
/// <param name="Response">The line sent, base64 (or <c>*</c>, <c>=</c>, garbage), for the server's account.</param>
public sealed record SaslCase(string Name, string Mechanism, bool AfterChallenge, Func<SaslAccount, string> Response, SaslOutcome Expected)
{
    public override string ToString() => Name;
}

/// <summary>
/// The one table of SASL responses run against SMTP submission and IMAP alike, so that both accept
/// and refuse exactly the same inputs: PLAIN (RFC 4616), OAUTHBEARER (RFC 7628) and XOAUTH2.
/// A token refused after parsing gets the RFC 7628 §3.2.2 error challenge, which the runners
/// answer with <c>%x01</c>.
/// </summary>
public static class SaslCases
{
    private const string A = "\u0001";

    public static IReadOnlyList<SaslCase> All { get; } =
    [
        // PLAIN: [authzid] NUL authcid NUL passwd (RFC 4616 §2).
        new("plain", "PLAIN", false, a => B64($"\0{a.User}\0{a.Password}"), SaslOutcome.Accepted),
        new("plain after the challenge", "PLAIN", true, a => B64($"\0{a.User}\0{a.Password}"), SaslOutcome.Accepted),
        new("plain authzid of a shared mailbox of which the user is a member", "PLAIN", false, a => B64($"{a.MemberOf}\0{a.User}\0{a.Password}"), SaslOutcome.Accepted),
        new("plain authzid naming the user itself", "PLAIN", false, a => B64($"{a.User}\0{a.User}\0{a.Password}"), SaslOutcome.Accepted),
        new("plain authzid of a mailbox the user may not use", "PLAIN", false, a => B64($"{a.NotMemberOf}\0{a.User}\0{a.Password}"), SaslOutcome.Refused),
        new("plain wrong password", "PLAIN", false, a => B64($"\0{a.User}\0{a.Password}-wrong"), SaslOutcome.Refused),
        new("plain cancelled with *", "PLAIN", true, _ => "*", SaslOutcome.Malformed),
        new("plain empty response =", "PLAIN", false, _ => "=", SaslOutcome.Malformed),
        new("plain empty line after the challenge", "PLAIN", true, _ => string.Empty, SaslOutcome.Malformed),
        new("plain not base64", "PLAIN", false, _ => "AHVzZXIAcGFzcw@@", SaslOutcome.Malformed),
        new("plain truncated base64", "PLAIN", false, a => B64($"\0{a.User}\0{a.Password}")[..^2] + "=", SaslOutcome.Malformed),
        new("plain without NUL", "PLAIN", false, a => B64(a.User + a.Password), SaslOutcome.Malformed),
        new("plain with one NUL", "PLAIN", false, a => B64($"{a.User}\0{a.Password}"), SaslOutcome.Malformed),
        new("plain with three NULs", "PLAIN", false, a => B64($"\0{a.User}\0{a.Password}\0x"), SaslOutcome.Malformed),
        new("plain empty authcid", "PLAIN", false, a => B64($"\0\0{a.Password}"), SaslOutcome.Malformed),
        new("plain empty password", "PLAIN", false, a => B64($"\0{a.User}\0"), SaslOutcome.Malformed),
        new("plain invalid UTF-8 in the password", "PLAIN", false, a => B64([0, .. U(a.User), 0, .. U(a.Password), 0xC3, 0x28]), SaslOutcome.Malformed),
        new("plain overlong UTF-8 in the authcid", "PLAIN", false, a => B64([0, 0xC0, 0xAF, .. U(a.User), 0, .. U(a.Password)]), SaslOutcome.Malformed),
        new("plain lone surrogate in the authzid", "PLAIN", false, a => B64([0xED, 0xA0, 0x80, 0, .. U(a.User), 0, .. U(a.Password)]), SaslOutcome.Malformed),
        new("plain password over 255 octets", "PLAIN", false, a => B64($"\0{a.User}\0{new string('x', 256)}"), SaslOutcome.Malformed),
        new("plain response over 12288 characters", "PLAIN", false, _ => new string('A', 13000), SaslOutcome.Malformed),
        new("plain response over 12288 characters after the challenge", "PLAIN", true, _ => new string('A', 13000), SaslOutcome.Malformed),

        // OAUTHBEARER: gs2-header kvsep *(kvpair) kvsep (RFC 7628 §3.1).
        new("oauthbearer", "OAUTHBEARER", false, a => B64($"n,,{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Accepted),
        new("oauthbearer after the challenge", "OAUTHBEARER", true, a => B64($"n,,{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Accepted),
        new("oauthbearer with host and port", "OAUTHBEARER", false, a => B64($"n,,{A}host=mail.example{A}port=993{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Accepted),
        new("oauthbearer with port -1 as MailKit sends it", "OAUTHBEARER", false, a => B64($"n,,{A}host=mail.example{A}port=-1{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Accepted),
        new("oauthbearer scheme in lower case", "OAUTHBEARER", false, a => B64($"n,,{A}auth=bearer {a.Token}{A}{A}"), SaslOutcome.Accepted),
        new("oauthbearer gs2 flag y", "OAUTHBEARER", false, a => B64($"y,,{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Accepted),
        new("oauthbearer authzid of the own mailbox", "OAUTHBEARER", false, a => B64($"n,a={a.Mailbox},{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Accepted),
        new("oauthbearer authzid of a shared mailbox of which the user is a member", "OAUTHBEARER", false, a => B64($"n,a={a.MemberOf},{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Accepted),
        new("oauthbearer authzid of a mailbox the user may not use", "OAUTHBEARER", false, a => B64($"n,a={a.NotMemberOf},{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Refused),
        new("oauthbearer invalid token", "OAUTHBEARER", false, a => B64($"n,,{A}auth=Bearer {a.Token}x{A}{A}"), SaslOutcome.Refused),
        new("oauthbearer channel binding p=", "OAUTHBEARER", false, a => B64($"p=tls-unique,,{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Malformed),
        new("oauthbearer unknown gs2 flag", "OAUTHBEARER", false, a => B64($"x,,{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Malformed),
        new("oauthbearer without gs2 header", "OAUTHBEARER", false, a => B64($"{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Malformed),
        new("oauthbearer gs2 header not terminated", "OAUTHBEARER", false, a => B64($"n{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Malformed),
        new("oauthbearer authzid with a bad escape", "OAUTHBEARER", false, a => B64($"n,a=x=2Xy,{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Malformed),
        new("oauthbearer authzid without a=", "OAUTHBEARER", false, a => B64($"n,{a.Mailbox},{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Malformed),
        new("oauthbearer without the final ^A", "OAUTHBEARER", false, a => B64($"n,,{A}auth=Bearer {a.Token}{A}"), SaslOutcome.Malformed),
        new("oauthbearer without auth", "OAUTHBEARER", false, _ => B64($"n,,{A}host=mail.example{A}{A}"), SaslOutcome.Malformed),
        new("oauthbearer Basic scheme", "OAUTHBEARER", false, a => B64($"n,,{A}auth=Basic {a.Token}{A}{A}"), SaslOutcome.Malformed),
        new("oauthbearer token with a space", "OAUTHBEARER", false, a => B64($"n,,{A}auth=Bearer {a.Token} x{A}{A}"), SaslOutcome.Malformed),
        new("oauthbearer auth repeated", "OAUTHBEARER", false, a => B64($"n,,{A}auth=Bearer {a.Token}{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Malformed),
        new("oauthbearer pair without =", "OAUTHBEARER", false, a => B64($"n,,{A}host{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Malformed),
        new("oauthbearer NUL inside", "OAUTHBEARER", false, a => B64($"n,,{A}auth=Bearer {a.Token}\0{A}{A}"), SaslOutcome.Malformed),
        new("oauthbearer invalid UTF-8 in host", "OAUTHBEARER", false, a => B64([.. U($"n,,{A}host="), 0xFF, .. U($"{A}auth=Bearer {a.Token}{A}{A}")]), SaslOutcome.Malformed),
        new("oauthbearer error acknowledgement as a first response", "OAUTHBEARER", false, _ => B64(A), SaslOutcome.Malformed),
        new("oauthbearer cancelled with *", "OAUTHBEARER", true, _ => "*", SaslOutcome.Malformed),
        new("oauthbearer empty response =", "OAUTHBEARER", false, _ => "=", SaslOutcome.Malformed),
        new("oauthbearer response over 12288 characters", "OAUTHBEARER", false, a => B64($"n,,{A}auth=Bearer {a.Token}{new string('x', 9300)}{A}{A}"), SaslOutcome.Malformed),

        // XOAUTH2: user=… ^A auth=Bearer … ^A ^A (Google's format, used by Thunderbird).
        new("xoauth2", "XOAUTH2", false, a => B64($"user={a.Mailbox}{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Accepted),
        new("xoauth2 after the challenge", "XOAUTH2", true, a => B64($"user={a.Mailbox}{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Accepted),
        new("xoauth2 invalid token", "XOAUTH2", false, a => B64($"user={a.Mailbox}{A}auth=Bearer {a.Token}x{A}{A}"), SaslOutcome.Refused),
        new("xoauth2 without user", "XOAUTH2", false, a => B64($"auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Malformed),
        new("xoauth2 empty user", "XOAUTH2", false, a => B64($"user={A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Malformed),
        new("xoauth2 user repeated", "XOAUTH2", false, a => B64($"user={a.Mailbox}{A}user={a.MemberOf}{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Malformed),
        new("xoauth2 unknown key", "XOAUTH2", false, a => B64($"user={a.Mailbox}{A}other=x{A}auth=Bearer {a.Token}{A}{A}"), SaslOutcome.Malformed),
        new("xoauth2 without the final ^A", "XOAUTH2", false, a => B64($"user={a.Mailbox}{A}auth=Bearer {a.Token}{A}"), SaslOutcome.Malformed),
        new("xoauth2 Basic scheme", "XOAUTH2", false, a => B64($"user={a.Mailbox}{A}auth=Basic {a.Token}{A}{A}"), SaslOutcome.Malformed),
        new("xoauth2 invalid UTF-8 in user", "XOAUTH2", false, a => B64([.. U("user="), 0xC3, 0x28, .. U($"{A}auth=Bearer {a.Token}{A}{A}")]), SaslOutcome.Malformed),
        new("xoauth2 cancelled with *", "XOAUTH2", true, _ => "*", SaslOutcome.Malformed),
    ];

    /// <summary>The case names, for <c>[MemberData]</c>.</summary>
    public static TheoryData<string> Names { get; } = new(All.Select(c => c.Name));

    public static SaslCase Get(string name) => All.Single(c => c.Name == name);

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes);

    private static byte[] U(string text) => Encoding.UTF8.GetBytes(text);
}
