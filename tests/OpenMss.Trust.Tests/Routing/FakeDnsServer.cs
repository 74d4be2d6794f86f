using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OpenMss.Trust.Tests.Routing;

/// <summary>
/// A tiny authoritative DNS server on loopback UDP (RFC 1035 §4) answering MX, A and AAAA questions
/// from a table, so the MX resolver is tested over a real socket with real DNS packets.
/// </summary>
internal sealed class FakeDnsServer : IAsyncDisposable
{
    private const ushort TypeA = 1;
    private const ushort TypeMx = 15;
    private const ushort TypeAaaa = 28;

    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Dictionary<string, List<(ushort Preference, string Exchange)>> _mx = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<IPAddress>> _addresses = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _failing = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _existing = new(StringComparer.OrdinalIgnoreCase);

    public FakeDnsServer() => _loop = Task.Run(Loop);

    public IPEndPoint EndPoint => (IPEndPoint)_udp.Client.LocalEndPoint!;

    public FakeDnsServer Mx(string domain, ushort preference, string exchange)
    {
        Exists(domain);
        if (!_mx.TryGetValue(domain, out var list))
        {
            _mx[domain] = list = [];
        }

        list.Add((preference, exchange));
        return this;
    }

    public FakeDnsServer Address(string domain, string address)
    {
        Exists(domain);
        if (!_addresses.TryGetValue(domain, out var list))
        {
            _addresses[domain] = list = [];
        }

        list.Add(IPAddress.Parse(address));
        return this;
    }

    /// <summary>The name exists (NOERROR) even with no records of the asked type.</summary>
    public FakeDnsServer Exists(string domain)
    {
        _existing.Add(domain);
        return this;
    }

    /// <summary>Questions about this name get SERVFAIL.</summary>
    public FakeDnsServer Failing(string domain)
    {
        _failing.Add(domain);
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        await Task.WhenAny(_loop, Task.Delay(2000));
        _stop.Dispose();
    }

    private async Task Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult request;
            try
            {
                request = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var response = Answer(request.Buffer);
            if (response is not null)
            {
                await _udp.SendAsync(response, request.RemoteEndPoint, _stop.Token);
            }
        }
    }

    private byte[]? Answer(byte[] query)
    {
        if (query.Length < 12)
        {
            return null;
        }

        var id = BinaryPrimitives.ReadUInt16BigEndian(query);
        var offset = 12;
        var labels = new List<string>();
        while (query[offset] != 0)
        {
            var length = query[offset];
            labels.Add(Encoding.ASCII.GetString(query, offset + 1, length));
            offset += length + 1;
        }

        offset++;
        var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(offset));
        var questionEnd = offset + 4;
        var name = string.Join('.', labels);

        var answers = new List<byte[]>();
        byte rcode = 0;
        if (_failing.Contains(name))
        {
            rcode = 2;
        }
        else if (!_existing.Contains(name))
        {
            rcode = 3;
        }
        else if (type == TypeMx && _mx.TryGetValue(name, out var mx))
        {
            answers.AddRange(mx.Select(r => Record(TypeMx, [.. BigEndian(r.Preference), .. EncodeName(r.Exchange)])));
        }
        else if (type is TypeA or TypeAaaa && _addresses.TryGetValue(name, out var addresses))
        {
            var family = type == TypeA ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
            answers.AddRange(addresses.Where(a => a.AddressFamily == family).Select(a => Record(type, a.GetAddressBytes())));
        }

        var response = new List<byte>();
        response.AddRange(BigEndian(id));
        response.Add(0x84); // QR, authoritative answer
        response.Add(rcode);
        response.AddRange(BigEndian(1));
        response.AddRange(BigEndian((ushort)answers.Count));
        response.AddRange(BigEndian(0));
        response.AddRange(BigEndian(0));
        response.AddRange(query.AsSpan(12, questionEnd - 12).ToArray());
        foreach (var answer in answers)
        {
            response.AddRange(answer);
        }

        return response.ToArray();
    }

    private static byte[] Record(ushort type, byte[] data) =>
        [0xC0, 0x0C, .. BigEndian(type), .. BigEndian(1), 0, 0, 0, 60, .. BigEndian((ushort)data.Length), .. data];

    private static byte[] EncodeName(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.Add(0);
        return bytes.ToArray();
    }

    private static byte[] BigEndian(ushort value) => [(byte)(value >> 8), (byte)value];
}
