using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using OpenMss.Core;
using OpenMss.Host;
using OpenMss.Host.Configuration;
using OpenMss.Storage;
using OpenMss.Trust;

// Relay throughput: messages per second accepted durably by one operator's relay over mutual
// TLS, from N concurrent sessions each sending messages of S bytes back to back (pipelined
// MAIL/RCPT/DATA). The load generator runs in the same process on the same 2 cores, as a
// peer operator would on the same machine; its CPU is included in the process figures.
//
// usage: OpenMss.Bench relay [--backend sqlite|postgres] [--connections 16] [--size 8192] [--seconds 20] [--warmup 3]
//        OpenMss.Bench relay-external --target 127.0.0.1:2525 --cert client.pem --key client.key
//              [--rcpt-domain medecin.mssante.fr] [--connections 16] [--size 8192] [--seconds 20] [--warmup 3]
//              [--server-pid PID[,PID]] [--delivered-dir DIR] [--label NAME]
//   The same clients against any server (another OpenMSS process, Postfix, ...): bench/compare.sh.
var arguments = Args.Parse(args);
if (arguments.Command == "relay-external")
{
    return await ExternalRelay.RunAsync(arguments);
}

if (arguments.Command != "relay")
{
    Console.Error.WriteLine("usage: OpenMss.Bench relay [--backend sqlite|postgres] [--connections 16] [--size 8192] [--seconds 20] [--warmup 3]");
    Console.Error.WriteLine("       OpenMss.Bench relay-external --target host:port --cert client.pem --key client.key [--server-pid PID] [--delivered-dir DIR] ...");
    return 2;
}

var backend = arguments.Get("backend", "sqlite");
var connections = int.Parse(arguments.Get("connections", "16"), CultureInfo.InvariantCulture);
var size = int.Parse(arguments.Get("size", "8192"), CultureInfo.InvariantCulture);
var seconds = double.Parse(arguments.Get("seconds", "20"), CultureInfo.InvariantCulture);
var warmup = double.Parse(arguments.Get("warmup", "3"), CultureInfo.InvariantCulture);

var work = System.IO.Directory.CreateTempSubdirectory("openmss-bench-");
try
{
    var ca = CertificateAuthority.Create("Bench Trust Authority");
    var receiverCert = ca.IssueOperatorCertificate("Médecins", ["medecin.mssante.fr"]);
    var senderCert = ca.IssueOperatorCertificate("Pharmaciens", ["pharmacien.mssante.fr"]);
    string Write(string name, string text)
    {
        var path = Path.Combine(work.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    receiverCert.Save(Path.Combine(work.FullName, "op.pem"), Path.Combine(work.FullName, "op.key"));
    var config = new OperatorConfig
    {
        Name = "Médecins",
        Domains = ["medecin.mssante.fr"],
        HostName = "mx.medecin.mssante.fr",
        Relay = new RelayConfig { Listen = "127.0.0.1:0", MaxSessions = 1000 },
        Web = new WebConfig { Listen = "127.0.0.1:0" },
        Storage = backend == "postgres"
            ? new StorageConfig
            {
                Provider = "postgres",
                ConnectionString = await CreatePostgresDatabaseAsync(),
                EncryptionKeyFile = Path.Combine(work.FullName, "message.key"),
            }
            : new StorageConfig { Provider = "sqlite", ConnectionString = Path.Combine(work.FullName, "bench.db") },
        Tls = new TlsConfig
        {
            Certificate = Path.Combine(work.FullName, "op.pem"),
            Key = Path.Combine(work.FullName, "op.key"),
            TrustAnchor = Write("ca.pem", ca.Certificate.ExportCertificatePem()),
        },
        Whitelist = new WhitelistConfig { Source = Write("whitelist.xml", OpenMss.Trust.Whitelist.ToXml(["medecin.mssante.fr", "pharmacien.mssante.fr"])) },
        Routing = new RoutingConfig { Mode = "table" },
    };

    using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole());
    await using var node = await OperatorNode.StartAsync(config, loggerFactory);
    for (var i = 0; i < connections; i++)
    {
        await node.Store.CreateMailboxAsync(new NewMailbox($"dr{i}@medecin.mssante.fr", MailboxKind.Personal));
    }

    var message = RelayMessages.Build(size);
    var endpoint = node.RelayEndPoint;
    long accepted = 0;
    var latencies = new List<double>[connections];
    using var stop = new CancellationTokenSource();
    var measuring = false;
    var clients = Enumerable.Range(0, connections).Select(i => Task.Run(async () =>
    {
        latencies[i] = new List<double>(100_000);
        await using var client = await BenchClient.ConnectAsync(endpoint, senderCert.Certificate);
        var rcpt = $"dr{i}@medecin.mssante.fr";
        var sw = new Stopwatch();
        while (!stop.IsCancellationRequested)
        {
            sw.Restart();
            await client.SendMessageAsync("claire.martin@pharmacien.mssante.fr", rcpt, message);
            if (Volatile.Read(ref measuring))
            {
                Interlocked.Increment(ref accepted);
                latencies[i].Add(sw.Elapsed.TotalMilliseconds);
            }
        }
    })).ToArray();

    await Task.Delay(TimeSpan.FromSeconds(warmup));
    var process = Process.GetCurrentProcess();
    process.Refresh();
    var cpuStart = process.TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    Volatile.Write(ref measuring, true);
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    Volatile.Write(ref measuring, false);
    var elapsed = clock.Elapsed.TotalSeconds;
    process.Refresh();
    var cpu = (process.TotalProcessorTime - cpuStart).TotalMilliseconds;
    var count = Interlocked.Read(ref accepted);
    await stop.CancelAsync();
    await Task.WhenAll(clients);

    var all = latencies.SelectMany(l => l).Order().ToArray();
    double Percentile(double p) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)(p * all.Length))];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"relay backend={backend} connections={connections} size={size} seconds={elapsed:F1} messages={count} rate={count / elapsed:F0}/s " +
        $"cpu_per_message={cpu / Math.Max(1, count):F2}ms p50={Percentile(0.50):F1}ms p99={Percentile(0.99):F1}ms"));
    return 0;
}
finally
{
    work.Delete(recursive: true);
}

static async Task<string> CreatePostgresDatabaseAsync()
{
    var admin = Environment.GetEnvironmentVariable("OPENMSS_TEST_POSTGRES")
        ?? throw new InvalidOperationException("OPENMSS_TEST_POSTGRES is not set (bench/run.sh starts a PostgreSQL and sets it).");
    var name = "openmss_bench_" + Guid.NewGuid().ToString("N")[..8];
    await using (var connection = new Npgsql.NpgsqlConnection(admin))
    {
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
    }

    return new Npgsql.NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
}

/// <summary>A minimal SMTP client for load: EHLO, STARTTLS with a client certificate, then pipelined transactions.</summary>
internal sealed class BenchClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly StreamReader _reader;

    private BenchClient(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
        _reader = new StreamReader(stream, Encoding.ASCII, false, 4096, leaveOpen: true);
    }

    public static async Task<BenchClient> ConnectAsync(IPEndPoint endpoint, X509Certificate2 clientCertificate)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(endpoint);
        var plain = new BenchClient(tcp, tcp.GetStream());
        await plain.ExpectAsync("220");
        await plain.CommandAsync("EHLO bench.pharmacien.mssante.fr", "250");
        await plain.CommandAsync("STARTTLS", "220");
        var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: true);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "mx.medecin.mssante.fr",
            ClientCertificates = [clientCertificate],
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        var client = new BenchClient(tcp, ssl);
        await client.CommandAsync("EHLO bench.pharmacien.mssante.fr", "250");
        return client;
    }

    public async Task SendMessageAsync(string from, string to, byte[] message)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes($"MAIL FROM:<{from}> SIZE={message.Length}\r\nRCPT TO:<{to}>\r\nDATA\r\n"));
        await _stream.FlushAsync();
        await ExpectAsync("250");
        await ExpectAsync("250");
        await ExpectAsync("354");
        await _stream.WriteAsync(message);
        await _stream.WriteAsync(".\r\n"u8.ToArray());
        await _stream.FlushAsync();
        await ExpectAsync("250");
    }

    private async Task CommandAsync(string line, string code)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
        await _stream.FlushAsync();
        await ExpectAsync(code);
    }

    private async Task ExpectAsync(string code)
    {
        while (true)
        {
            var line = await _reader.ReadLineAsync() ?? throw new IOException("connection closed");
            if (!line.StartsWith(code, StringComparison.Ordinal))
            {
                throw new IOException($"expected {code}, got: {line}");
            }

            if (line.Length < 4 || line[3] == ' ')
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.WriteAsync("QUIT\r\n"u8.ToArray());
        }
        catch (IOException)
        {
            // The server may already have closed the connection.
        }

        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}

internal sealed record Args(string Command, Dictionary<string, string> Options)
{
    public static Args Parse(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }

        return new Args(args.Length > 0 ? args[0] : "", options);
    }

    public string Get(string name, string fallback) => Options.TryGetValue(name, out var v) ? v : fallback;
}
