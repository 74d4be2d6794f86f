using Microsoft.Extensions.Logging;
using OpenMss.Host.Configuration;
using OpenMss.InternetMail.Catcher;
using OpenMss.Trust;

namespace OpenMss.Demo;

/// <summary>
/// The demo's stand-in for the Internet: a local SMTP catcher on loopback that writes every message
/// meant for a patient's personal address (one-time codes, notifications) as an <c>.eml</c> file
/// under <see cref="InternetMailDirectory"/> (<c>internetMailDir</c> in <c>demo.json</c>). Services
/// reach it as they would a real smarthost: STARTTLS with a certificate of the demo authority, and
/// credentials.
/// </summary>
public sealed partial class DemoTrustSpace
{
    private const string InternetMailUser = "openmss-demo";

    private InternetMailCatcher? _internetMail;

    /// <summary>The folder where the catcher writes the messages sent to personal addresses.</summary>
    public string InternetMailDirectory => Path.Combine(DataDirectory, "internet-mail");

    /// <summary>Starts the catcher; returns the smarthost section that services put in their configuration.</summary>
    private async Task<SmarthostConfig> StartInternetMailCatcherAsync(CertificateAuthority authority, string trustAnchor, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var relayFolder = Path.Combine(DataDirectory, "internet-relay");
        var certificate = EnsureWebCertificate(authority, (Path.Combine(relayFolder, "relay.pem"), Path.Combine(relayFolder, "relay.key")), "Relais Internet (démo)");
        var passwordFile = Path.Combine(relayFolder, "relay.secret");
        var password = await LoadOrCreateSecretAsync(passwordFile, cancellationToken);
        _internetMail = await InternetMailCatcher.StartAsync(new InternetMailCatcherOptions
        {
            Folder = InternetMailDirectory,
            ServerCertificate = IssuedCertificate.LoadWithKey(certificate.Pem, certificate.Key),
            UserName = InternetMailUser,
            Password = password,
        }, loggerFactory, cancellationToken);
        return new SmarthostConfig
        {
            Host = "localhost",
            Port = _internetMail.EndPoint.Port,
            UserName = InternetMailUser,
            PasswordFile = passwordFile,
            TrustedRoot = trustAnchor,
            From = "ne-pas-repondre@monespacesante.demo",
        };
    }

    private async ValueTask DisposeInternetMailCatcherAsync()
    {
        if (_internetMail is not null)
        {
            await _internetMail.DisposeAsync();
            _internetMail = null;
        }
    }
}
