using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace OpenMss.Smtp.Tests.Support;

/// <summary>One SMTP reply as the client reads it.</summary>
public sealed record SmtpResponse(int Code, IReadOnlyList<string> Lines)
{
    /// <summary>The first line without the continuation mark, e.g. "550 5.1.1 Mailbox unknown".</summary>
    public string First => Lines[0].Length > 3 ? string.Concat(Lines[0].AsSpan(0, 3), " ", Lines[0].AsSpan(4)) : Lines[0];

    /// <summary>Keywords of an EHLO reply (every line but the first).</summary>
    public IEnumerable<string> Keywords => Lines.Skip(1).Select(line => line[4..]);

    public override string ToString() => string.Join(" | ", Lines);
}

/// <summary>
/// A scripted SMTP client over a real socket (and real TLS after <see cref="StartTls"/>):
/// <c>client.Send("MAIL FROM:&lt;a@b&gt;").Expect("250")</c>. Blocking, with a read timeout, so a
/// missing reply fails the test instead of hanging it.
/// </summary>
public sealed class SmtpTestClient : IDisposable
{
    // Only a guard against a test that would hang: a busy machine may be slow to answer.
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly TcpClient _tcp;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private Stream _stream;
    private int _start;
    private int _end;

    private SmtpTestClient(TcpClient tcp)
    {
        _tcp = tcp;
        _tcp.NoDelay = true;
        _stream = tcp.GetStream();
        _stream.ReadTimeout = (int)DefaultTimeout.TotalMilliseconds;
        _stream.WriteTimeout = (int)DefaultTimeout.TotalMilliseconds;
    }

    public bool IsTls => _stream is SslStream;

    /// <summary>True when the server has sent something not read yet (or closed the connection).</summary>
    public bool HasSomethingToRead => _start < _end || _tcp.Available > 0 || _tcp.Client.Poll(0, SelectMode.SelectRead);

    public SslStream? Tls => _stream as SslStream;

    /// <summary>Connects and reads the greeting, which must start with <paramref name="greeting"/> (null: do not read it).</summary>
    public static SmtpTestClient Connect(IPEndPoint endPoint, string? greeting = "220 ")
    {
        var tcp = new TcpClient(endPoint.AddressFamily);
        tcp.Connect(endPoint);
        var client = new SmtpTestClient(tcp);
        if (greeting is not null)
        {
            client.Expect(greeting);
        }

        return client;
    }

    /// <summary>Sends one command line (CRLF added).</summary>
    public SmtpTestClient Send(string line) => SendRaw(line + "\r\n");

    /// <summary>Sends bytes as they are (several pipelined commands, message text…).</summary>
    public SmtpTestClient SendRaw(string text) => SendRaw(Encoding.UTF8.GetBytes(text));

    public SmtpTestClient SendRaw(byte[] bytes)
    {
        _stream.Write(bytes);
        _stream.Flush();
        return this;
    }

    /// <summary>Reads one reply and asserts that its first line starts with <paramref name="prefix"/> (e.g. "550 5.1.1").</summary>
    public SmtpResponse Expect(string prefix)
    {
        var reply = Read();
        Assert.True(reply.First.StartsWith(prefix, StringComparison.Ordinal), $"expected '{prefix}…' but the server answered '{reply}'");
        return reply;
    }

    /// <summary>Reads one (possibly multi-line) reply.</summary>
    public SmtpResponse Read()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = ReadLine() ?? throw new IOException($"connection closed by the server after [{string.Join(" | ", lines)}]");
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return new SmtpResponse(int.Parse(line.AsSpan(0, 3), provider: null), lines);
            }
        }
    }

    /// <summary>EHLO and the reply.</summary>
    public SmtpResponse Ehlo(string name = "client.pharmacien.mssante.fr") => Send("EHLO " + name).Expect("250");

    /// <summary>STARTTLS, then a TLS 1.2/1.3 handshake presenting <paramref name="clientCertificate"/> (or none).</summary>
    public SmtpTestClient StartTls(X509Certificate2? clientCertificate, SslProtocols protocols = SslProtocols.Tls12 | SslProtocols.Tls13)
    {
        Send("STARTTLS").Expect("220 2.0.0");
        Assert.Equal(_start, _end);
        HandshakeOnly(clientCertificate, protocols);
        return this;
    }

    /// <summary>The TLS handshake alone (after a STARTTLS sent by other means).</summary>
    public void HandshakeOnly(X509Certificate2? clientCertificate, SslProtocols protocols = SslProtocols.Tls12 | SslProtocols.Tls13)
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = "mx.test",
            EnabledSslProtocols = protocols,

            // These tests are about the server; the client side of trust is tested in OpenMss.Trust.
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        };
        if (clientCertificate is not null)
        {
            options.ClientCertificates = [clientCertificate];
            options.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        ssl.AuthenticateAsClient(options);
        _stream = ssl;
    }

    /// <summary>Sends a message after DATA's 354: dot-stuffs it and adds the end marker.</summary>
    public SmtpTestClient SendMessage(string message)
    {
        var builder = new StringBuilder();
        foreach (var line in message.Split("\r\n"))
        {
            builder.Append(line.StartsWith('.') ? "." + line : line).Append("\r\n");
        }

        // message ends with CRLF, so the split left a last empty element: its CRLF is the end marker's.
        builder.Length -= 2;
        builder.Append(".\r\n");
        return SendRaw(builder.ToString());
    }

    /// <summary>True when the server has closed the connection (reads end of stream) within the timeout.</summary>
    public bool IsClosedByServer(TimeSpan? timeout = null)
    {
        _stream.ReadTimeout = (int)(timeout ?? DefaultTimeout).TotalMilliseconds;
        try
        {
            return ReadLine() is null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }

    private string? ReadLine()
    {
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, lf - _start).TrimEnd('\r');
                _start = lf + 1;
                return line;
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                return null;
            }

            _end += read;
        }
    }
}
