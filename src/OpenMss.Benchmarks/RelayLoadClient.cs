using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using OpenMss.Trust;

namespace OpenMss.Benchmarks;

/// <summary>
/// A minimal SMTP client for relay load (RFC 5321, STARTTLS per RFC 3207, PIPELINING per RFC 2920):
/// EHLO, STARTTLS with an operator client certificate (mutual TLS, as the trust space requires), then pipelined
/// MAIL/RCPT/DATA transactions on one session. Deliberately bare so that the load generator costs
/// little CPU next to the server it measures; MailKit is the client for everything else.
/// </summary>
public sealed class RelayLoadClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly StreamReader _reader;

    private RelayLoadClient(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
        _reader = new StreamReader(stream, Encoding.ASCII, false, 4096, leaveOpen: true);
    }

    /// <summary>
    /// Connects, says EHLO, upgrades to TLS presenting <paramref name="clientCertificate"/> and checks
    /// the server certificate against <paramref name="trustAnchor"/> for <paramref name="serverDomain"/>
    /// (the trust space rules of <see cref="TrustValidator.ValidateServer"/>).
    /// </summary>
    /// <param name="host">The relay's host name or address.</param>
    /// <param name="port">The relay's port.</param>
    /// <param name="clientCertificate">The sending operator's certificate, with its private key.</param>
    /// <param name="trustAnchor">The trust space authority the server certificate must chain to.</param>
    /// <param name="serverDomain">The mail domain the server certificate must name.</param>
    public static async Task<RelayLoadClient> ConnectAsync(
        string host,
        int port,
        X509Certificate2 clientCertificate,
        TrustValidator trustAnchor,
        string serverDomain,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientCertificate);
        ArgumentNullException.ThrowIfNull(trustAnchor);
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            var plain = new RelayLoadClient(tcp, tcp.GetStream());
            await plain.ExpectAsync("220", cancellationToken).ConfigureAwait(false);
            await plain.CommandAsync("EHLO bench." + serverDomain, "250", cancellationToken).ConfigureAwait(false);
            await plain.CommandAsync("STARTTLS", "220", cancellationToken).ConfigureAwait(false);
            var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: true);
            await ssl.AuthenticateAsClientAsync(TlsSettings.ClientOptions(clientCertificate, serverDomain, trustAnchor), cancellationToken).ConfigureAwait(false);
            var client = new RelayLoadClient(tcp, ssl);
            await client.CommandAsync("EHLO bench." + serverDomain, "250", cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Sends one message in one pipelined round trip; returns once the server answered 250 to the data.</summary>
    /// <returns>The time from the end of the data (the final dot flushed) to the <c>250</c>.</returns>
    /// <exception cref="IOException">The server refused a command or closed the connection.</exception>
    public async Task<TimeSpan> SendMessageAsync(string from, string to, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes($"MAIL FROM:<{from}> SIZE={message.Length}\r\nRCPT TO:<{to}>\r\nDATA\r\n"), cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        await ExpectAsync("250", cancellationToken).ConfigureAwait(false);
        await ExpectAsync("250", cancellationToken).ConfigureAwait(false);
        await ExpectAsync("354", cancellationToken).ConfigureAwait(false);
        await _stream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        await _stream.WriteAsync(".\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        var dataEnd = Stopwatch.GetTimestamp();
        await ExpectAsync("250", cancellationToken).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(dataEnd);
    }

    private async Task CommandAsync(string line, string code, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        await ExpectAsync(code, cancellationToken).ConfigureAwait(false);
    }

    private async Task ExpectAsync(string code, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? throw new IOException("connection closed by the server");
            if (!line.StartsWith(code, StringComparison.Ordinal))
            {
                throw new IOException($"expected {code}, got: {(line.Length > 200 ? line[..200] : line)}");
            }

            if (line.Length < 4 || line[3] == ' ')
            {
                return;
            }
        }
    }

    /// <summary>Says QUIT (best effort) and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.WriteAsync("QUIT\r\n"u8.ToArray()).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The server may already have closed the connection.
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
        _reader.Dispose();
        _tcp.Dispose();
    }
}
