using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

/// <summary>The tagged reply of a command and what came before it.</summary>
internal sealed record Reply(string Tagged, int UntaggedCount, List<string> Untagged);

/// <summary>
/// A minimal IMAP client over implicit TLS: sends a tagged command and reads lines until the tagged
/// reply, skipping literals by their announced size (no parsing of the responses beyond that).
/// </summary>
internal sealed class RawImapClient : IDisposable
{
    private readonly TcpClient tcp;
    private readonly SslStream stream;
    private readonly byte[] buffer = new byte[4 * 1024 * 1024];
    private int start;
    private int end;
    private int tag;

    private RawImapClient(TcpClient tcp, SslStream stream)
    {
        this.tcp = tcp;
        this.stream = stream;
    }

    public long BytesReceived { get; set; }

    public static async Task<RawImapClient> ConnectAsync(IPEndPoint endpoint)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(endpoint);
        var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "imap.medecin.mssante.fr",
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            // The bench CA is made on the fly; the chain is checked by the Trust and IMAP tests.
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        var client = new RawImapClient(tcp, ssl);
        var greeting = await client.ReadLineAsync();
        if (greeting is null || !greeting.StartsWith("* OK", StringComparison.Ordinal))
        {
            throw new IOException("unexpected greeting: " + greeting);
        }

        return client;
    }

    public async Task<Reply> CommandAsync(string command, bool keepUntagged = true)
    {
        var t = "a" + (++tag).ToString(CultureInfo.InvariantCulture);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(t + " " + command + "\r\n"));
        await stream.FlushAsync();
        var untagged = new List<string>();
        var count = 0;
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("connection closed during " + command);
            if (line.StartsWith(t + " ", StringComparison.Ordinal))
            {
                if (!line.AsSpan(t.Length + 1).StartsWith("OK", StringComparison.Ordinal))
                {
                    throw new IOException($"{command}: {line}");
                }

                return new Reply(line, count, untagged);
            }

            if (line.StartsWith('*'))
            {
                count++;
                if (keepUntagged)
                {
                    untagged.Add(line);
                }
            }
        }
    }

    public async Task StartIdleAsync()
    {
        var t = "a" + (++tag).ToString(CultureInfo.InvariantCulture);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(t + " IDLE\r\n"));
        await stream.FlushAsync();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("connection closed during IDLE");
            if (line.StartsWith('+'))
            {
                return;
            }
        }
    }

    /// <summary>One response line; a literal announced at its end is skipped and the line continues after it.</summary>
    public async Task<string?> ReadLineAsync()
    {
        var text = new StringBuilder();
        while (true)
        {
            var lf = Array.IndexOf(buffer, (byte)'\n', start, end - start);
            if (lf < 0)
            {
                if (!await FillAsync())
                {
                    return null;
                }

                continue;
            }

            var length = lf - start;
            var lineLength = length > 0 && buffer[lf - 1] == '\r' ? length - 1 : length;
            var piece = Encoding.UTF8.GetString(buffer, start, lineLength);
            start = lf + 1;
            text.Append(piece);
            if (piece.EndsWith('}') && piece.LastIndexOf('{') is var open and >= 0
                && long.TryParse(piece.AsSpan(open + 1, piece.Length - open - 2).TrimEnd('+'), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                await SkipAsync(size);
                continue;
            }

            return text.ToString();
        }
    }

    private async Task SkipAsync(long size)
    {
        while (size > 0)
        {
            if (start == end && !await FillAsync())
            {
                throw new IOException("connection closed inside a literal");
            }

            var take = (int)Math.Min(size, end - start);
            start += take;
            size -= take;
        }
    }

    private async Task<bool> FillAsync()
    {
        if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }

        if (end == buffer.Length)
        {
            throw new IOException("response line longer than the client's buffer");
        }

        var read = await stream.ReadAsync(buffer.AsMemory(end));
        if (read == 0)
        {
            return false;
        }

        BytesReceived += read;
        end += read;
        return true;
    }

    public void Dispose()
    {
        stream.Dispose();
        tcp.Dispose();
    }
}
