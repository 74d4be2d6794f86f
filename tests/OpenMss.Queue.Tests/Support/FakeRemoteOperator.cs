using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using OpenMss.Trust;

namespace OpenMss.Queue.Tests.Support;

/// <summary>One SMTP transaction the fake received.</summary>
public sealed record ReceivedTransaction(string MailFromLine, IReadOnlyList<string> AcceptedRcptLines, byte[] Data, X509Certificate2? ClientCertificate, string Ehlo);

/// <summary>
/// A scripted remote operator: an SMTP server on 127.0.0.1 that offers STARTTLS with a trust space
/// operator certificate, asks for a client certificate, answers each command as the test says, and
/// records what it received. It can be stopped ("down") and started again on the same port.
/// </summary>
public sealed class FakeRemoteOperator : IAsyncDisposable
{
    private readonly X509Certificate2 serverCertificate;
    private readonly ConcurrentQueue<ReceivedTransaction> received = new();
    private readonly ConcurrentQueue<string> commands = new();
    private TcpListener? listener;
    private CancellationTokenSource? stop;
    private Task? acceptLoop;
    private int connections;

    public FakeRemoteOperator(X509Certificate2 serverCertificate, int port = 0)
    {
        this.serverCertificate = serverCertificate;
        Port = port;
    }

    public int Port { get; private set; }

    /// <summary>Reply to MAIL FROM (after STARTTLS); given the command line.</summary>
    public Func<string, string> MailReply { get; set; } = _ => "250 2.1.0 Sender OK";

    /// <summary>Reply to RCPT TO, given the recipient address.</summary>
    public Func<string, string> RcptReply { get; set; } = _ => "250 2.1.5 Recipient OK";

    /// <summary>Reply after the message content.</summary>
    public string DataReply { get; set; } = "250 2.0.0 Message stored";

    public bool AdvertiseDsn { get; set; } = true;

    /// <summary>How long the fake waits after the end of the message before answering DATA (a slow relay).</summary>
    public TimeSpan DataReplyDelay { get; set; } = TimeSpan.Zero;

    /// <summary>When set, the fake answers DATA only once this task completes (a relay that holds a message as long as a test needs).</summary>
    public Task? DataReplyGate { get; set; }

    /// <summary>Set once the end of a message has been read (before the DATA reply).</summary>
    public TaskCompletionSource DataReceived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool OfferStartTls { get; set; } = true;

    public IReadOnlyList<ReceivedTransaction> Received => received.ToArray();

    /// <summary>Every command line received, in order (after TLS too).</summary>
    public IReadOnlyList<string> Commands => commands.ToArray();

    public int Connections => Volatile.Read(ref connections);

    /// <summary>A free loopback port with nothing listening on it (a remote operator that is down).</summary>
    public static int ReservePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public FakeRemoteOperator Start()
    {
        listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        stop = new CancellationTokenSource();
        acceptLoop = AcceptLoopAsync(listener, stop.Token);
        return this;
    }

    public async Task StopAsync()
    {
        if (listener is null)
        {
            return;
        }

        await stop!.CancelAsync();
        listener.Stop();
        try
        {
            await acceptLoop!;
        }
        catch (OperationCanceledException)
        {
        }

        listener = null;
        stop.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task AcceptLoopAsync(TcpListener server, CancellationToken cancellationToken)
    {
        var sessions = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var client = await server.AcceptTcpClientAsync(cancellationToken);
                Interlocked.Increment(ref connections);
                sessions.Add(Task.Run(() => SessionAsync(client, cancellationToken), cancellationToken));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        foreach (var session in sessions)
        {
            try
            {
                await session;
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
            }
        }
    }

    private async Task SessionAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var token = timeout.Token;
        Stream stream = client.GetStream();
        var reader = new LineReader(stream);
        X509Certificate2? clientCertificate = null;
        var tls = false;
        var ehlo = "";
        string? mailFrom = null;
        var accepted = new List<string>();

        try
        {
            await WriteAsync(stream, "220 fake.medecin.mssante.fr ESMTP ready", token);
            while (true)
            {
                var line = await reader.ReadLineAsync(token);
                if (line is null)
                {
                    return;
                }

                var text = Encoding.UTF8.GetString(line);
                commands.Enqueue(text);
                var verb = text.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        ehlo = text;
                        var lines = new List<string> { "fake.medecin.mssante.fr", "PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SIZE 26214400", "SMTPUTF8" };
                        if (AdvertiseDsn)
                        {
                            lines.Add("DSN");
                        }

                        if (OfferStartTls && !tls)
                        {
                            lines.Add("STARTTLS");
                        }

                        var reply = new StringBuilder();
                        for (var i = 0; i < lines.Count; i++)
                        {
                            reply.Append("250").Append(i == lines.Count - 1 ? ' ' : '-').Append(lines[i]).Append("\r\n");
                        }

                        await WriteRawAsync(stream, reply.ToString(), token);
                        break;

                    case "STARTTLS":
                        await WriteAsync(stream, "220 2.0.0 Ready to start TLS", token);
                        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                        await ssl.AuthenticateAsServerAsync(TlsSettings.ServerOptions(serverCertificate, askClientCertificate: true), token);
                        clientCertificate = ssl.RemoteCertificate is null ? null : X509CertificateLoader.LoadCertificate(ssl.RemoteCertificate.GetRawCertData());
                        stream = ssl;
                        reader = new LineReader(stream);
                        tls = true;
                        break;

                    case "MAIL":
                        if (!tls)
                        {
                            await WriteAsync(stream, "530 5.7.0 Must issue a STARTTLS command first", token);
                            break;
                        }

                        var mailReply = MailReply(text);
                        if (mailReply.StartsWith('2'))
                        {
                            mailFrom = text;
                            accepted.Clear();
                        }

                        await WriteAsync(stream, mailReply, token);
                        break;

                    case "RCPT":
                        if (mailFrom is null)
                        {
                            await WriteAsync(stream, "503 5.5.1 MAIL first", token);
                            break;
                        }

                        var address = text[(text.IndexOf('<') + 1)..text.IndexOf('>')];
                        var rcptReply = RcptReply(address);
                        if (rcptReply.StartsWith('2'))
                        {
                            accepted.Add(text);
                        }

                        await WriteAsync(stream, rcptReply, token);
                        break;

                    case "DATA":
                        if (mailFrom is null || accepted.Count == 0)
                        {
                            await WriteAsync(stream, "554 5.5.1 No valid recipients", token);
                            break;
                        }

                        await WriteAsync(stream, "354 End data with <CR><LF>.<CR><LF>", token);
                        var data = await reader.ReadDataAsync(token);
                        if (DataReply.StartsWith('2'))
                        {
                            received.Enqueue(new ReceivedTransaction(mailFrom, accepted.ToList(), data, clientCertificate, ehlo));
                        }

                        mailFrom = null;
                        accepted.Clear();
                        DataReceived.TrySetResult();
                        if (DataReplyDelay > TimeSpan.Zero)
                        {
                            await Task.Delay(DataReplyDelay, token);
                        }

                        if (DataReplyGate is { } gate)
                        {
                            await gate.WaitAsync(token);
                        }

                        await WriteAsync(stream, DataReply, token);
                        break;

                    case "RSET":
                        mailFrom = null;
                        accepted.Clear();
                        await WriteAsync(stream, "250 2.0.0 Reset", token);
                        break;

                    case "NOOP":
                        await WriteAsync(stream, "250 2.0.0 OK", token);
                        break;

                    case "QUIT":
                        await WriteAsync(stream, "221 2.0.0 Bye", token);
                        return;

                    default:
                        await WriteAsync(stream, "502 5.5.2 Command not implemented", token);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            // The client went away, the handshake failed, or the fake was stopped.
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    private static Task WriteAsync(Stream stream, string line, CancellationToken token) => WriteRawAsync(stream, line + "\r\n", token);

    private static async Task WriteRawAsync(Stream stream, string text, CancellationToken token)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text), token);
        await stream.FlushAsync(token);
    }

    /// <summary>Reads CRLF-terminated lines and dot-stuffed DATA, byte for byte.</summary>
    private sealed class LineReader(Stream stream)
    {
        private readonly byte[] buffer = new byte[64 * 1024];
        private int start;
        private int end;

        public async Task<byte[]?> ReadLineAsync(CancellationToken token)
        {
            while (true)
            {
                var span = buffer.AsSpan(start, end - start);
                var lf = span.IndexOf((byte)'\n');
                if (lf >= 0)
                {
                    var line = span[..lf];
                    if (line.Length > 0 && line[^1] == '\r')
                    {
                        line = line[..^1];
                    }

                    var result = line.ToArray();
                    start += lf + 1;
                    return result;
                }

                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }

                if (end == buffer.Length)
                {
                    throw new IOException("line too long");
                }

                var read = await stream.ReadAsync(buffer.AsMemory(end), token);
                if (read == 0)
                {
                    return null;
                }

                end += read;
            }
        }

        public async Task<byte[]> ReadDataAsync(CancellationToken token)
        {
            using var data = new MemoryStream();
            while (true)
            {
                var line = await ReadLineAsync(token) ?? throw new IOException("connection closed during DATA");
                if (line is [(byte)'.'])
                {
                    return data.ToArray();
                }

                var content = line.Length > 0 && line[0] == '.' ? line.AsSpan(1) : line.AsSpan();
                data.Write(content);
                data.Write("\r\n"u8);
            }
        }
    }
}
