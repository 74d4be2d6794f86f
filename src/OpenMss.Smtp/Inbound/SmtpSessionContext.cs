using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using OpenMss.Smtp.Protocol;

namespace OpenMss.Smtp.Inbound;

/// <summary>What a policy knows about the SMTP session it decides for. Reset by STARTTLS (RFC 3207 §4.2).</summary>
public sealed class SmtpSessionContext
{
    internal SmtpSessionContext(string sessionId, IPEndPoint remoteEndPoint, IPEndPoint localEndPoint, string serverHostName, long maxMessageSize)
    {
        SessionId = sessionId;
        RemoteEndPoint = remoteEndPoint;
        LocalEndPoint = localEndPoint;
        ServerHostName = serverHostName;
        MaxMessageSize = maxMessageSize;
    }

    /// <summary>A random identifier for logs and trace headers.</summary>
    public string SessionId { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>This server's name (<see cref="SmtpServerOptions.HostName"/>).</summary>
    public string ServerHostName { get; }

    public long MaxMessageSize { get; }

    /// <summary>The EHLO/HELO argument, null before EHLO (and again after STARTTLS).</summary>
    public string? ClientName { get; internal set; }

    /// <summary>The client greeted with EHLO (not HELO).</summary>
    public bool IsExtended { get; internal set; }

    public bool IsTls { get; internal set; }

    public SslProtocols TlsProtocol { get; internal set; }

    public TlsCipherSuite? TlsCipherSuite { get; internal set; }

    /// <summary>The certificate the client presented in the TLS handshake, not yet validated; null when none.</summary>
    public X509Certificate2? ClientCertificate { get; internal set; }

    /// <summary>Per-session state owned by the policy (e.g. the peer certificate check).</summary>
    public object? PolicyState { get; set; }

    /// <summary>Transactions started in this session (for identifiers).</summary>
    public int TransactionCount { get; internal set; }
}

/// <summary>One accepted recipient of a transaction.</summary>
public sealed record SmtpRecipient(string Address, RcptParameters Parameters);

/// <summary>A mail transaction (RFC 5321 §3.3): from an accepted MAIL to the end of DATA, or RSET.</summary>
public sealed class SmtpTransaction
{
    private readonly List<SmtpRecipient> _recipients = [];

    internal SmtpTransaction(string id, MailFromCommand mailFrom)
    {
        Id = id;
        ReversePath = mailFrom.ReversePath;
        Parameters = mailFrom.Parameters;
    }

    /// <summary>Identifier given in the 250 reply and the <c>Received:</c> header.</summary>
    public string Id { get; }

    /// <summary>The reverse-path; empty for the null sender <c>&lt;&gt;</c> (notifications).</summary>
    public string ReversePath { get; }

    public bool IsNullSender => ReversePath.Length == 0;

    public MailParameters Parameters { get; }

    /// <summary>Recipients accepted so far, in order, without duplicates (compared case-insensitively).</summary>
    public IReadOnlyList<SmtpRecipient> Recipients => _recipients;

    /// <summary>Per-transaction state owned by the policy (e.g. resolved mailboxes).</summary>
    public object? PolicyState { get; set; }

    internal bool HasRecipient(string address)
    {
        foreach (var recipient in _recipients)
        {
            if (string.Equals(recipient.Address, address, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    internal void AddRecipient(SmtpRecipient recipient) => _recipients.Add(recipient);
}

/// <summary>
/// The message received after DATA: dot-stuffing removed, exactly the octets the client sent
/// otherwise. Valid only during <see cref="ISmtpPolicy.OnMessageAsync"/>.
/// </summary>
public sealed class SmtpMessageContent
{
    private readonly MessageBuffer _buffer;

    internal SmtpMessageContent(MessageBuffer buffer) => _buffer = buffer;

    /// <summary>The message as received.</summary>
    public ReadOnlyMemory<byte> Content => _buffer.Content;

    public int Length => _buffer.Content.Length;

    /// <summary>
    /// The message with <paramref name="header"/> (complete CRLF-terminated header lines, e.g. a
    /// <c>Received:</c> trace) in front. Written in room kept free before the message, so the
    /// message is not copied; valid only during <see cref="ISmtpPolicy.OnMessageAsync"/>.
    /// </summary>
    public ReadOnlyMemory<byte> WithPrefix(ReadOnlySpan<byte> header) => _buffer.WithPrefix(header);
}
