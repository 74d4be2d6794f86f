using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using OpenMss.Trust;

namespace OpenMss.Trust.Tests.Whitelist;

/// <summary>
/// A minimal HTTP/1.1 server on loopback serving one document (optionally over TLS), with ETag and
/// If-None-Match support: enough to exercise the refreshing sources without Kestrel.
/// </summary>
internal sealed class TinyHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2? _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _requests;
    private int _notModified;

    public TinyHttpServer(X509Certificate2? certificate = null)
    {
        _certificate = certificate;
        _listener.Start();
        _loop = Task.Run(AcceptLoop);
    }

    public byte[] Body { get; set; } = [];

    public int Status { get; set; } = 200;

    public int Requests => Volatile.Read(ref _requests);

    public int NotModifiedAnswers => Volatile.Read(ref _notModified);

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url(string host = "127.0.0.1") => $"{(_certificate is null ? "http" : "https")}://{host}:{Port}/listeblanchemssante.xml";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await Task.WhenAny(_loop, Task.Delay(5000));
        _stop.Dispose();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                Stream stream = client.GetStream();
                if (_certificate is not null)
                {
                    var tls = new SslStream(stream);
                    await tls.AuthenticateAsServerAsync(TlsSettings.ServerOptions(_certificate, askClientCertificate: false), _stop.Token);
                    stream = tls;
                }

                await using (stream)
                {
                    var head = await ReadHead(stream);
                    Interlocked.Increment(ref _requests);
                    var body = Body;
                    var etag = "\"" + Convert.ToHexString(SHA256.HashData(body))[..16] + "\"";
                    var ifNoneMatch = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("If-None-Match:", StringComparison.OrdinalIgnoreCase));
                    string response;
                    if (Status == 200 && ifNoneMatch is not null && ifNoneMatch.Contains(etag, StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref _notModified);
                        response = $"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                        body = [];
                    }
                    else if (Status != 200)
                    {
                        response = $"HTTP/1.1 {Status} Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                        body = [];
                    }
                    else
                    {
                        response = $"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nETag: {etag}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
                    }

                    await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _stop.Token);
                    await stream.WriteAsync(body, _stop.Token);
                    await stream.FlushAsync(_stop.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException or SocketException)
            {
                // The client gave up (e.g. it refused our certificate): nothing to serve.
            }
        }
    }

    private async Task<string> ReadHead(Stream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (!EndsWithBlankLine(buffer))
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
            {
                break;
            }

            buffer.Add(one[0]);
        }

        return Encoding.ASCII.GetString(buffer.ToArray());
    }

    private static bool EndsWithBlankLine(List<byte> buffer) =>
        buffer.Count >= 4 && buffer[^4] == '\r' && buffer[^3] == '\n' && buffer[^2] == '\r' && buffer[^1] == '\n';
}
