using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Demo;
using OpenMss.Storage;
using OpenMss.Testing;

namespace OpenMss.EndToEnd.Tests;

/// <summary>The demo contract of the README ("The demo"): demo.json, listeners, reuse of the folder.</summary>
public sealed class DemoTests
{
    [Fact]
    public async Task The_demo_writes_its_contract_once_listening_and_a_second_run_reuses_the_folder()
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("openmss-demo-");
        var data = Path.Combine(dir.FullName, "data"); // created by the demo
        try
        {
            string anchorThumbprint;
            await using (var demo = await DemoTrustSpace.StartAsync(data, NullLoggerFactory.Instance))
            {
                using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(data, "demo.json")));
                var root = json.RootElement;
                var anchor = root.GetProperty("trustAnchor").GetString()!;
                Assert.True(File.Exists(anchor));

                // demo.json and the operators' configurations hold passwords, TOTP secrets and connection
                // strings; the data folder holds databases and keys, including the identity provider's
                // cookie protection keys (never under $HOME): all of it is the owner's only.
                const UnixFileMode ownerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                const UnixFileMode ownerFolder = ownerFile | UnixFileMode.UserExecute;
                Assert.Equal(ownerFolder, File.GetUnixFileMode(data));
                Assert.Equal(ownerFile, File.GetUnixFileMode(Path.Combine(data, "demo.json")));
                Assert.All(root.GetProperty("operators").EnumerateArray(), op => Assert.Equal(ownerFile, File.GetUnixFileMode(op.GetProperty("config").GetString()!)));
                var protectionKeys = System.IO.Directory.GetDirectories(data, "data-protection-keys", SearchOption.AllDirectories);
                Assert.Equal(ownerFolder, File.GetUnixFileMode(Assert.Single(protectionKeys)));
                Assert.All(System.IO.Directory.GetFiles(protectionKeys[0]), f => Assert.Equal(ownerFile, File.GetUnixFileMode(f)));
                anchorThumbprint = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(anchor)).Thumbprint;

                var operators = root.GetProperty("operators").EnumerateArray().ToList();
                Assert.True(operators.Count >= 2);
                foreach (var op in operators)
                {
                    Assert.All(op.GetProperty("domains").EnumerateArray(), d => Assert.EndsWith(".mssante.fr", d.GetString(), StringComparison.Ordinal));
                    Assert.True(File.Exists(op.GetProperty("certificate").GetProperty("pem").GetString()));
                    Assert.True(File.Exists(op.GetProperty("certificate").GetProperty("key").GetString()));
                    var relay = op.GetProperty("relay").GetString()!.Split(':');
                    using var tcp = new TcpClient();
                    await tcp.ConnectAsync(relay[0], int.Parse(relay[1]));
                }

                var roles = root.GetProperty("accounts").EnumerateArray().Select(a => a.GetProperty("role").GetString()).ToList();
                Assert.Equal(2, roles.Count(r => r == "pharmacist"));
                Assert.Contains("technician", roles);
                Assert.Contains("doctor", roles);
                Assert.Contains("application", roles);

                // The directory lists the demo's professionals and the whitelist names both operators.
                var directory = root.GetProperty("directory");
                using var anchorCertificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(anchor));
                using var http = TrustingAnchor(anchorCertificate);
                var found = await http.GetStringAsync(directory.GetProperty("url").GetString() + "/api/search?name=claire%20MARTIN");
                Assert.Contains("claire.martin@pharmacien.mssante.fr", found, StringComparison.Ordinal);
                var whitelist = OpenMss.Trust.Whitelist.Parse(await http.GetStringAsync(directory.GetProperty("whitelist").GetString()));
                Assert.True(whitelist.Contains("pharmacien.mssante.fr") && whitelist.Contains("medecin.mssante.fr"));
                var fhir = await http.GetStringAsync(directory.GetProperty("fhir").GetString() + "/Practitioner?name=dupont");
                Assert.Contains("jean.dupont@medecin.mssante.fr", fhir, StringComparison.Ordinal);

                // Leave a trace in the pharmacy's store to find after the restart.
                var pharmacy = demo.Operators[0];
                await pharmacy.Submitter.SubmitAsync("claire.martin@pharmacien.mssante.fr",
                    [new OutboundRecipient("pharmacie.centrale@pharmacien.mssante.fr")],
                    TwoOperators.Message("claire.martin@pharmacien.mssante.fr", "pharmacie.centrale@pharmacien.mssante.fr"));
            }

            await using (var again = await DemoTrustSpace.StartAsync(data, NullLoggerFactory.Instance))
            {
                using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(data, "demo.json")));
                var anchor = json.RootElement.GetProperty("trustAnchor").GetString()!;
                Assert.Equal(anchorThumbprint, System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(anchor)).Thumbprint);
                Assert.Single(await RelayEndToEndTests.ListInboxAsync(again.Operators[0].Store, "pharmacie.centrale@pharmacien.mssante.fr"));

                // An administrator's new mailbox is published in the directory by the CLI.
                var config = Path.Combine(data, "operators", "pharmaciens", "operator.json");
                var created = await Cli.RunAsync("mailbox", "create", "--config", config, "nouveau.pharmacien@pharmacien.mssante.fr", "--kind", "PER", "--name", "Nouveau", "--owner", "10005678916");
                Assert.True(created.ExitCode == 0, created.Out + created.Err);
                using var anchorCertificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(anchor));
                using var http = TrustingAnchor(anchorCertificate);
                var published = await http.GetAsync(json.RootElement.GetProperty("directory").GetProperty("url").GetString() + "/api/mailboxes/nouveau.pharmacien@pharmacien.mssante.fr");
                Assert.Equal(System.Net.HttpStatusCode.OK, published.StatusCode);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static HttpClient TrustingAnchor(System.Security.Cryptography.X509Certificates.X509Certificate2 anchor) =>
        new(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => DemoTestBase.ChainsTo(anchor, certificate) });

    // A cold process that generates the authority's and the services' keys and hashes the demo
    // passwords: on a machine as busy as CI's can be, that takes minutes, not seconds.
    private static readonly TimeSpan DemoStartDeadline = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task The_demo_command_runs_until_stopped_by_a_signal_and_then_exits_cleanly()
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("openmss-demo-cli-");
        try
        {
            using var demo = System.Diagnostics.Process.Start(Cli.StartInfo("demo", "--data", dir.FullName))!;
            var json = Path.Combine(dir.FullName, "demo.json");
            await Eventually.WaitUntilAsync(async () =>
            {
                if (demo.HasExited)
                {
                    Assert.Fail("the demo ended early: " + await demo.StandardError.ReadToEndAsync());
                }

                return File.Exists(json);
            }, "demo.json", DemoStartDeadline);

            // SIGTERM rather than SIGINT: a process started in the background inherits SIGINT
            // ignored (POSIX), and .NET respects that. Both signals take the same path.
            using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", demo.Id.ToString()]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(Eventually.DefaultDeadline);
            await demo.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, demo.ExitCode);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
