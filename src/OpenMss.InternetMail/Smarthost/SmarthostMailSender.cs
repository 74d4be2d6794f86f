using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using OpenMss.Core.Mail;

namespace OpenMss.InternetMail.Smarthost;

/// <summary>
/// Sends Internet mail through an outside SMTP relay (a smarthost, RFC 6409 submission) with
/// MailKit: always over TLS (STARTTLS required, RFC 3207, or implicit TLS, RFC 8314), the relay's
/// certificate checked against the system's roots or a configured one, SMTP AUTH when credentials
/// are configured. One connection per message: codes and notifications are few and far between.
/// Logs say that a message went or failed, never to whom nor what.
/// </summary>
public sealed partial class SmarthostMailSender : IInternetMailSender
{
    private readonly SmarthostOptions _options;
    private readonly ILogger _logger;

    public SmarthostMailSender(SmarthostOptions options, ILogger<SmarthostMailSender>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    public async Task SendAsync(InternetMailMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var mime = Build(message);
        using var client = new SmtpClient
        {
            Timeout = (int)_options.Timeout.TotalMilliseconds,
            ServerCertificateValidationCallback = ValidateServerCertificate,
            CheckCertificateRevocation = _options.TrustedRoot is null,
        };
        try
        {
            var security = _options.Security == SmarthostSecurity.ImplicitTls ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls;
            await client.ConnectAsync(_options.Host, _options.Port, security, cancellationToken).ConfigureAwait(false);
            if (_options.UserName is not null)
            {
                await client.AuthenticateAsync(_options.UserName, _options.Password!, cancellationToken).ConfigureAwait(false);
            }

            await client.SendAsync(mime, cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex) is { } failure)
        {
            LogFailed(_logger, _options.Host, _options.Port, failure.Message);
            throw failure;
        }

        LogSent(_logger, _options.Host, _options.Port);
    }

    /// <summary>The MIME message: plain text in UTF-8, quoted-printable, with a Message-ID and a date.</summary>
    internal MimeMessage Build(InternetMailMessage message)
    {
        var mime = new MimeMessage();
        mime.From.Add(new MailboxAddress(_options.FromName, _options.From));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        mime.Headers.Add("Auto-Submitted", "auto-generated");
        var domain = _options.From[(_options.From.LastIndexOf('@') + 1)..];
        mime.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(domain);
        var body = new TextPart("plain") { Text = message.TextBody };
        body.ContentTransferEncoding = ContentEncoding.QuotedPrintable;
        mime.Body = body;
        return mime;
    }

    private bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_options.TrustedRoot is null)
        {
            return errors == SslPolicyErrors.None;
        }

        // A configured root: the name must still match, the chain is built against that root alone.
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(_options.TrustedRoot);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(leaf);
    }

    private static InternetMailException? Translate(Exception ex) => ex switch
    {
        SslHandshakeException => new InternetMailException("The smarthost's certificate is not trusted, or TLS failed.", ex),
        AuthenticationException => new InternetMailException("The smarthost refused the credentials.", ex),
        ServiceNotAuthenticatedException => new InternetMailException("The smarthost requires authentication.", ex),
        SmtpCommandException command => new InternetMailException($"The smarthost refused the message ({(int)command.StatusCode}).", ex)
        {
            IsTransient = (int)command.StatusCode is >= 400 and < 500,
        },
        SmtpProtocolException => new InternetMailException("The smarthost broke the SMTP protocol.", ex) { IsTransient = true },
        NotSupportedException => new InternetMailException("The smarthost does not offer STARTTLS or the needed authentication.", ex),
        SocketException or IOException or TimeoutException or ServiceNotConnectedException => new InternetMailException("The smarthost could not be reached.", ex) { IsTransient = true },
        _ => null,
    };

    [LoggerMessage(EventId = 7000, Level = LogLevel.Information, Message = "Internet mail sent through smarthost {Host}:{Port}")]
    private static partial void LogSent(ILogger logger, string host, int port);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Internet mail through smarthost {Host}:{Port} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string host, int port, string reason);
}
