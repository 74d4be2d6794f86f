using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using OpenMss.InternetMail.Smarthost;

namespace OpenMss.Host.Configuration;

/// <summary>
/// The outside SMTP relay (smarthost) through which a service sends mail to patients' personal
/// addresses: the identity provider's one-time codes, the patient space's notifications. Always
/// over TLS; documented in <c>docs/configuration.md</c> (<c>internetMail</c>).
/// </summary>
public sealed class SmarthostConfig
{
    /// <summary>The smarthost's host name (its certificate must name it).</summary>
    public string? Host { get; set; }

    /// <summary>Its port: 587 with STARTTLS, 465 with implicit TLS.</summary>
    public int Port { get; set; } = 587;

    /// <summary><c>starttls</c> (required, the default) or <c>implicit</c>.</summary>
    public string Security { get; set; } = "starttls";

    /// <summary>The SMTP AUTH user name, or null to send without authenticating.</summary>
    public string? UserName { get; set; }

    /// <summary>A file holding the SMTP AUTH password (keep it 0600; secrets stay out of this configuration).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>A PEM root certificate the smarthost's certificate must chain to instead of the system's roots (a private relay, the demo).</summary>
    public string? TrustedRoot { get; set; }

    /// <summary>The sender address of the messages.</summary>
    public string? From { get; set; }

    /// <summary>The sender's display name.</summary>
    public string FromName { get; set; } = "Mon espace santé";

    /// <summary>Resolves the relative file paths against the configuration file's folder.</summary>
    public void Resolve(string baseDirectory)
    {
        PasswordFile = ConfigurationFile.Resolve(PasswordFile, baseDirectory);
        TrustedRoot = ConfigurationFile.Resolve(TrustedRoot, baseDirectory);
    }

    /// <summary>Checks the section, naming the bad key under <paramref name="prefix"/>.</summary>
    public void Validate(string prefix)
    {
        ConfigurationFile.Require(Host, prefix + ".host");
        ConfigurationFile.Require(From, prefix + ".from");
        if (Security is not ("starttls" or "implicit"))
        {
            throw new ConfigurationException($"'{prefix}.security' must be \"starttls\" or \"implicit\".");
        }

        if (UserName is not null && string.IsNullOrWhiteSpace(PasswordFile))
        {
            throw new ConfigurationException($"'{prefix}.passwordFile' is required with '{prefix}.userName'.");
        }
    }

    /// <summary>The sender this section describes, reading its password and root files.</summary>
    /// <exception cref="ConfigurationException">A file it names cannot be read.</exception>
    public async Task<SmarthostMailSender> CreateSenderAsync(string prefix, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        Validate(prefix);
        string? password = null;
        if (PasswordFile is not null)
        {
            if (!File.Exists(PasswordFile))
            {
                throw new ConfigurationException($"'{prefix}.passwordFile': {PasswordFile} not found.");
            }

            password = (await File.ReadAllTextAsync(PasswordFile, cancellationToken).ConfigureAwait(false)).Trim();
        }

        X509Certificate2? root = null;
        if (TrustedRoot is not null)
        {
            if (!File.Exists(TrustedRoot))
            {
                throw new ConfigurationException($"'{prefix}.trustedRoot': {TrustedRoot} not found.");
            }

            root = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(TrustedRoot, cancellationToken).ConfigureAwait(false));
        }

        return new SmarthostMailSender(new SmarthostOptions
        {
            Host = Host!,
            Port = Port,
            Security = Security == "implicit" ? SmarthostSecurity.ImplicitTls : SmarthostSecurity.StartTls,
            UserName = UserName,
            Password = password,
            TrustedRoot = root,
            From = From!,
            FromName = FromName,
        }, loggerFactory.CreateLogger<SmarthostMailSender>());
    }
}
