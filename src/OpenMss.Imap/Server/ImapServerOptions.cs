using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace OpenMss.Imap.Server;

/// <summary>How clients start TLS: <c>STARTTLS</c> on the IMAP port (143) or TLS from the first byte (993, RFC 8314).</summary>
public enum ImapTlsMode
{
    StartTls,
    Implicit,
}

/// <summary>Settings of one IMAP4rev1 listener (RFC 3501).</summary>
public sealed class ImapServerOptions
{
    /// <summary>Where to listen; port 0 picks a free port (see <see cref="ImapServer.LocalEndPoint"/>).</summary>
    public IPEndPoint Endpoint { get; set; } = new(IPAddress.Any, 143);

    public ImapTlsMode TlsMode { get; set; } = ImapTlsMode.StartTls;

    /// <summary>The certificate presented to clients (with its private key).</summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>The name given in the greeting.</summary>
    public string HostName { get; set; } = "localhost";

    /// <summary>Whether LOGIN and AUTHENTICATE PLAIN are offered (the demo: yes; production: tokens only).</summary>
    public bool AllowPasswordAuthentication { get; set; }

    /// <summary>The identity provider's discovery document, named in OAUTHBEARER error challenges (RFC 7628 §3.2.2).</summary>
    public Uri? OpenIdConfiguration { get; set; }

    /// <summary>The scope a token needs to read mail, named in OAUTHBEARER error challenges (RFC 7628 §3.2.2); null names none.</summary>
    public string? TokenScope { get; set; }

    /// <summary>RFC 3501 §5.4: the autologout timer is at least 30 minutes of inactivity.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Before authentication a silent client is dropped sooner.</summary>
    public TimeSpan UnauthenticatedTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// During IDLE, how often the folder is re-read even without a change signal (changes made by
    /// another process on SQLite). Keeps "new mail within a second". When the store pushes every
    /// node's changes (PostgreSQL LISTEN/NOTIFY, <see cref="Storage.FolderChangeNotifier.CrossProcess"/>),
    /// the re-read happens every <see cref="AuthorizationRecheckInterval"/> instead.
    /// </summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromMilliseconds(800);

    public int MaxLineLength { get; set; } = 64 * 1024;

    /// <summary>Largest literal in any command but APPEND.</summary>
    public int MaxLiteralSize { get; set; } = 64 * 1024;

    /// <summary>Largest message accepted by APPEND.</summary>
    public int MaxAppendSize { get; set; } = 50 * 1024 * 1024;

    public int MaxSessions { get; set; } = 10_000;

    /// <summary>
    /// How often an authenticated session checks again that its principal may still use the
    /// mailbox (a member removed from a shared mailbox, by any node or the CLI, is cut off within
    /// this delay: at the next command, or during IDLE).
    /// </summary>
    public TimeSpan AuthorizationRecheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Failed commands in a row after which the session is closed (a client talking garbage).</summary>
    public int MaxBadCommands { get; set; } = 50;
}
