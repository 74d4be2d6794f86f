using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace OpenMss.Smtp.Inbound;

/// <summary>
/// Settings of one SMTP listener (the operator-to-operator relay; later the
/// submission service). Defaults follow the specification and RFC 5321 §4.5.3.
/// </summary>
public sealed class SmtpServerOptions
{
    /// <summary>25 MiB, the MSSanté default advertised with <c>SIZE</c> (RFC 1870).</summary>
    public const long DefaultMaxMessageSize = 25L * 1024 * 1024;

    /// <summary>Address and port to listen on; port 0 picks a free port (see <see cref="SmtpServer.LocalEndPoint"/>).</summary>
    public IPEndPoint EndPoint { get; set; } = new(IPAddress.Loopback, 25);

    /// <summary>The server's name in the greeting, the EHLO reply and the <c>Received:</c> header.</summary>
    public string HostName { get; set; } = "localhost";

    /// <summary>The operator certificate (with its private key) offered on STARTTLS; without it STARTTLS is not offered.</summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>
    /// TLS settings used for STARTTLS instead of those built from <see cref="ServerCertificate"/>
    /// (<c>TlsSettings.ServerOptions</c>: TLS 1.2/1.3, client certificate requested and checked
    /// after the handshake by the policy).
    /// </summary>
    public SslServerAuthenticationOptions? TlsOptions { get; set; }

    /// <summary>Whether the handshake asks the client for a certificate (the relay needs one).</summary>
    public bool RequestClientCertificate { get; set; } = true;

    /// <summary>
    /// Implicit TLS (RFC 8314 §3.3, submission on port 465): the TLS handshake starts as soon as the
    /// client connects and STARTTLS is not offered. Needs <see cref="ServerCertificate"/> or <see cref="TlsOptions"/>.
    /// </summary>
    public bool ImplicitTls { get; set; }

    /// <summary>RFC 3207: refuse MAIL with <c>530 5.7.0</c> until STARTTLS has completed.</summary>
    public bool RequireTls { get; set; } = true;

    /// <summary>Largest message accepted, advertised as <c>SIZE</c> (RFC 1870); larger ones get <c>552 5.3.4</c>.</summary>
    public long MaxMessageSize { get; set; } = DefaultMaxMessageSize;

    /// <summary>Concurrent sessions; one more is answered <c>421 4.7.0</c> and closed.</summary>
    public int MaxSessions { get; set; } = 1000;

    /// <summary>
    /// Concurrent sessions from one client address; one more is answered <c>421 4.7.0</c> and
    /// closed, so a single host cannot take every session before TLS or AUTH. 0 (the default) means
    /// no per-address limit: behind a TCP load balancer that does not keep source addresses every
    /// connection comes from the balancer's.
    /// </summary>
    public int MaxSessionsPerAddress { get; set; }

    /// <summary>Recipients per transaction (RFC 5321 §4.5.3.1.8 requires at least 100); more get <c>452 4.5.3</c>.</summary>
    public int MaxRecipients { get; set; } = 100;

    /// <summary>Bad commands (syntax, sequence, unknown) tolerated in one session before <c>421</c> and close.</summary>
    public int MaxErrors { get; set; } = 20;

    /// <summary>Time to wait for a command (RFC 5321 §4.5.3.2.7: at least 5 minutes); then <c>421 4.4.2</c>.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Time to wait for each block of message text after <c>354</c> (RFC 5321 §4.5.3.2.5–6 ask
    /// for 3 and 10 minutes; the larger is used); then <c>421 4.4.2</c>.
    /// </summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Time for the client to complete the TLS handshake after STARTTLS.</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock of the session timeouts above (the system's by default; tests use a fake one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>How long <see cref="SmtpServer.StopAsync"/> waits for transactions in progress before cutting them.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(EndPoint);
        ArgumentException.ThrowIfNullOrWhiteSpace(HostName);
        foreach (var c in HostName)
        {
            if (c <= ' ' || c >= 0x7F)
            {
                throw new ArgumentException("HostName must be an ASCII domain name.", nameof(HostName));
            }
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageSize, 1024);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxMessageSize, int.MaxValue - (1L << 20));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSessions, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxSessionsPerAddress);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRecipients, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxErrors, 1);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CommandTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DataTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TlsHandshakeTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(ShutdownTimeout, TimeSpan.Zero);
    }
}
