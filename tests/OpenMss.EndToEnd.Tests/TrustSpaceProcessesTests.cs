using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using OpenMss.Testing;

namespace OpenMss.EndToEnd.Tests;

/// <summary>
/// A trust space of separate processes, as an administrator builds it with eng/trust-space.sh and
/// the openmss CLI only (docs/operations.md): the authority, the directory, the identity provider
/// and two operators, each its own <c>openmss serve</c> process. A message sent on one operator
/// crosses the real relay with mutual TLS and is read over IMAP on the other.
/// </summary>
public sealed class TrustSpaceProcessesTests : IDisposable
{
    private const int PortCount = 10;

    // A cold start of five CLI processes that generate keys and hash passwords, on a busy machine.
    private static readonly TimeSpan ScriptDeadline = TimeSpan.FromMinutes(10);

    private readonly string _data = System.IO.Directory.CreateTempSubdirectory("openmss-trust-space-").FullName;

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // A service killed a moment ago may still hold a SQLite file; the folder is in /tmp.
        }
    }

    [Fact]
    public async Task A_message_crosses_from_one_operator_process_to_another_and_is_read_over_imap()
    {
        var basePort = FreePortRange(PortCount);
        (int ExitCode, string Out, string Err) stopped;
        try
        {
            var first = await RunScriptAsync(basePort, "start");
            Assert.True(first.ExitCode == 0, first.Out + first.Err);
            var ports = ReadPorts();
            Assert.Equal(basePort, ports["DIRECTORY_PORT"]);
            using var anchor = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(_data, "ca", "ca.pem")));

            // The directory's whitelist lists both operators, over HTTPS with a certificate naming localhost.
            using var http = new HttpClient(OpenMss.Identity.Validation.TrustAnchorHandler.Create(anchor));
            var whitelist = await http.GetStringAsync($"https://localhost:{ports["DIRECTORY_PORT"]}/whitelist.xml");
            Assert.Contains("pharmacien.mssante.fr", whitelist, StringComparison.Ordinal);
            Assert.Contains("medecin.mssante.fr", whitelist, StringComparison.Ordinal);

            // The operators' CLI published their mailboxes to it.
            using var published = await http.GetAsync($"https://localhost:{ports["DIRECTORY_PORT"]}/api/mailboxes/jean.dupont@medecin.mssante.fr");
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);

            // The identity provider is an https issuer.
            using var discovery = JsonDocument.Parse(await http.GetStringAsync($"https://localhost:{ports["IDENTITY_PORT"]}/.well-known/openid-configuration"));
            Assert.Equal($"https://localhost:{ports["IDENTITY_PORT"]}/", discovery.RootElement.GetProperty("issuer").GetString());

            // A second start on the same folder reuses everything and leaves the running services alone.
            var second = await RunScriptAsync(basePort, "start");
            Assert.True(second.ExitCode == 0, second.Out + second.Err);
            Assert.Contains("directory: already running", second.Out, StringComparison.Ordinal);
            Assert.Contains("medecins: already running", second.Out, StringComparison.Ordinal);

            // Claire Martin (pharmaciens) writes to Dr Dupont (médecins): the pharmaciens' serve process delivers.
            var subject = "Renouvellement " + Guid.NewGuid().ToString("N")[..8];
            var message = Path.Combine(_data, "message.eml");
            await File.WriteAllBytesAsync(message, TwoOperators.Message("claire.martin@pharmacien.mssante.fr", "jean.dupont@medecin.mssante.fr", subject));
            var sent = await Cli.RunAsync("send", "--config", Path.Combine(_data, "operators", "pharmaciens", "operator.json"),
                "--from", "claire.martin@pharmacien.mssante.fr", "--to", "jean.dupont@medecin.mssante.fr", "--file", message);
            Assert.True(sent.ExitCode == 0, sent.Out + sent.Err);

            // Dr Dupont reads it over IMAP on the médecins' process, with his identity provider account.
            var password = (await File.ReadAllTextAsync(Path.Combine(_data, "accounts", "10004567896.password"))).Trim();
            using var imap = new ImapClient { ServerCertificateValidationCallback = (_, certificate, _, _) => DemoTestBase.ChainsTo(anchor, certificate) };
            await imap.ConnectAsync("127.0.0.1", ports["MEDECINS_IMAP_PORT"], SecureSocketOptions.StartTls);
            await imap.AuthenticateAsync(new SaslMechanismPlain(new NetworkCredential("10004567896", password)));
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
            await Eventually.WaitUntilAsync(async () =>
            {
                await imap.NoOpAsync();
                return imap.Inbox.Count > 0;
            }, "the message in Dr Dupont's inbox", TimeSpan.FromMinutes(3));
            var summaries = await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope);
            var envelope = Assert.IsType<MailKit.Envelope>(Assert.Single(summaries).Envelope);
            Assert.Equal(subject, envelope.Subject);
            Assert.Equal("claire.martin@pharmacien.mssante.fr", envelope.From.Mailboxes.Single().Address);
            await imap.DisconnectAsync(quit: true);
        }
        finally
        {
            try
            {
                stopped = await RunScriptAsync(basePort, "stop");
            }
            finally
            {
                KillLeftovers();
            }
        }

        Assert.True(stopped.ExitCode == 0, stopped.Out + stopped.Err);

        // Stopped: nothing listens on the trust space's ports any more.
        Assert.All(Enumerable.Range(basePort, PortCount), port => Assert.False(Listens(port), $"port {port} still listens"));
    }

    private Task<(int ExitCode, string Out, string Err)> RunScriptAsync(int basePort, string action)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(Repository.Root, "eng", "trust-space.sh"));
        info.ArgumentList.Add(action);
        info.ArgumentList.Add(_data);
        info.Environment["OPENMSS"] = "dotnet " + Cli.AssemblyPath;
        info.Environment["OPENMSS_PORT_BASE"] = basePort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["DOTNET_NOLOGO"] = "1";
        return Cli.RunAsync(info, ScriptDeadline, "eng/trust-space.sh " + action);
    }

    private Dictionary<string, int> ReadPorts() =>
        File.ReadAllLines(Path.Combine(_data, "ports.env"))
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Kills what a failed stop left, by the pid files of this test's folder only.</summary>
    private void KillLeftovers()
    {
        var run = Path.Combine(_data, "run");
        if (!System.IO.Directory.Exists(run))
        {
            return;
        }

        foreach (var file in System.IO.Directory.GetFiles(run, "*.pid"))
        {
            try
            {
                var pid = int.Parse(File.ReadAllText(file).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                var commandLine = Path.Combine("/proc", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "cmdline");
                if (!File.Exists(commandLine) || !File.ReadAllText(commandLine).Contains(_data, StringComparison.Ordinal))
                {
                    continue; // gone, or the pid now names another program
                }

                using var process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(30)); // not our child: an unreaped zombie would never "exit"
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or IOException)
            {
                // Already gone.
            }
        }
    }

    /// <summary>
    /// A run of consecutive free loopback ports: the script lays out its services from a base port,
    /// since the directory's routing table must name the relays' ports before they start.
    /// </summary>
    private static int FreePortRange(int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            // Below the ephemeral range (32768 and up on Linux): an outgoing connection of any
            // process could otherwise take one of the ports between this check and the service's bind.
            var start = Random.Shared.Next(20000, 32768 - count);
            var listeners = new List<TcpListener>();
            try
            {
                for (var port = start; port < start + count; port++)
                {
                    var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    listeners.Add(listener);
                }

                return start;
            }
            catch (SocketException)
            {
                // One of them is taken: try another range.
            }
            finally
            {
                listeners.ForEach(l => l.Stop());
            }
        }

        throw new InvalidOperationException($"No {count} consecutive free ports found.");
    }

    private static bool Listens(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
