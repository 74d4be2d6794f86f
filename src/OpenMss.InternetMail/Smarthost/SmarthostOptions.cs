using System.Security.Cryptography.X509Certificates;

namespace OpenMss.InternetMail.Smarthost;

/// <summary>How the connection to the smarthost is secured.</summary>
public enum SmarthostSecurity
{
    /// <summary>Plain connection upgraded with STARTTLS (RFC 3207), which is required: a server that does not offer it is refused.</summary>
    StartTls,

    /// <summary>TLS from the first byte (RFC 8314 §3, usually port 465).</summary>
    ImplicitTls,
}

/// <summary>Configuration of a <see cref="SmarthostMailSender"/>: the outside relay that carries mail to personal addresses.</summary>
public sealed class SmarthostOptions
{
    /// <summary>The smarthost's host name; its certificate must name it.</summary>
    public required string Host { get; init; }

    /// <summary>The port: 587 (STARTTLS) or 465 (implicit TLS) usually.</summary>
    public int Port { get; init; } = 587;

    /// <summary>STARTTLS (required) or implicit TLS. Never a clear connection.</summary>
    public SmarthostSecurity Security { get; init; } = SmarthostSecurity.StartTls;

    /// <summary>The user name for SMTP AUTH (RFC 4954), or null to send without authenticating.</summary>
    public string? UserName { get; init; }

    /// <summary>The password for <see cref="UserName"/>.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// The root certificate the smarthost's certificate must chain to, instead of the system's
    /// trusted roots (a private relay, or the demo authority). Null: the system's roots.
    /// </summary>
    public X509Certificate2? TrustedRoot { get; init; }

    /// <summary>The sender address (<c>From:</c> and the envelope), e.g. <c>ne-pas-repondre@monespacesante.fr</c>.</summary>
    public required string From { get; init; }

    /// <summary>The display name of the sender. Default "Mon espace santé".</summary>
    public string FromName { get; init; } = "Mon espace santé";

    /// <summary>Time allowed for each network operation. Default 30 seconds.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Host);
        ArgumentException.ThrowIfNullOrWhiteSpace(From);
        ArgumentOutOfRangeException.ThrowIfLessThan(Port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero);
        if (UserName is not null && Password is null)
        {
            throw new ArgumentException("A smarthost user name needs its password.", nameof(Password));
        }
    }
}
