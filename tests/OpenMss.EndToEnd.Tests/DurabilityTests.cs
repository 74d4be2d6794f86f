using System.Diagnostics;
using System.Text.RegularExpressions;
using OpenMss.Storage;
using OpenMss.Testing;

namespace OpenMss.EndToEnd.Tests;

/// <summary>A message acknowledged with 250 survives a kill -9 of the receiving process.</summary>
public sealed partial class DurabilityTests
{
    private const string PythonBurst = """
        import smtplib, ssl, sys
        host, port, anchor, cert, key, frm, to, count = sys.argv[1:9]
        ctx = ssl.create_default_context(cafile=anchor)
        ctx.check_hostname = False
        ctx.load_cert_chain(cert, key)
        s = smtplib.SMTP(host, int(port), timeout=20)
        s.starttls(context=ctx)
        for i in range(int(count)):
            body = f"From: <{frm}>\r\nTo: <{to}>\r\nSubject: n{i}\r\nMessage-ID: <burst{i}@pharmacien.mssante.fr>\r\n\r\nmessage {i}\r\n"
            s.sendmail(frm, [to], body.encode())
            print(f"acked {i + 1}", flush=True)
        """;

    [Theory]
    [InlineData(StoreBackend.Sqlite)]
    [InlineData(StoreBackend.Postgres)]
    public async Task Messages_acknowledged_before_a_kill_9_are_all_there_after_restart(StoreBackend backend)
    {
        await using var space = await TwoOperators.StartAsync(backend: backend);
        await space.StopBAsync(); // B will run in its own process, killed with SIGKILL
        var script = Path.Combine(space.Root.FullName, "burst.py");
        await File.WriteAllTextAsync(script, PythonBurst);

        using var server = Process.Start(Cli.StartInfo("serve", "--config", space.ConfigPath("b")))!;
        var relay = await ReadRelayPortAsync(server);

        const int count = 25;
        var client = Process.Start(new ProcessStartInfo("python3")
        {
            ArgumentList =
            {
                script, "127.0.0.1", relay.ToString(), space.TrustAnchorPath,
                space.ConfigA.Tls.Certificate!, space.ConfigA.Tls.Key!, TwoOperators.Pharmacist, TwoOperators.Doctor, count.ToString(),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var acked = 0;
        while (await client.StandardOutput.ReadLineAsync() is { } line)
        {
            acked = int.Parse(line["acked ".Length..]);
            if (acked == count)
            {
                server.Kill(entireProcessTree: true); // SIGKILL, right after the last 250
                break;
            }
        }

        await client.WaitForExitAsync();
        await server.WaitForExitAsync();
        Assert.Equal(count, acked);

        await using var store = await MailStoreFactory.OpenAsync(new StorageOptions
        {
            Provider = space.ConfigB.Storage.Provider,
            ConnectionString = space.ConfigB.Storage.ConnectionString,
            EncryptionKeyFile = space.ConfigB.Storage.EncryptionKeyFile,
        });
        var inbox = await RelayEndToEndTests.ListInboxAsync(store, TwoOperators.Doctor);
        Assert.Equal(count, inbox.Count);
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), inbox.Select(m => m.Uid));
    }

    private static async Task<int> ReadRelayPortAsync(Process server)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await server.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            var match = RelayLine().Match(line);
            if (match.Success)
            {
                return int.Parse(match.Groups[1].Value);
            }
        }

        throw new InvalidOperationException("the server ended before listening: " + await server.StandardError.ReadToEndAsync());
    }

    [GeneratedRegex(@"relay 127\.0\.0\.1:(\d+)")]
    private static partial Regex RelayLine();
}
