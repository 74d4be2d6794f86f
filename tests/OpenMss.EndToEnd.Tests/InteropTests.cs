using System.Diagnostics;

namespace OpenMss.EndToEnd.Tests;

/// <summary>Clients no one here wrote (Python's smtplib, swaks) talking to an operator's relay with an operator certificate.</summary>
public sealed class InteropTests
{
    private const string PythonSend = """
        import smtplib, ssl, sys
        host, port, anchor, frm, to, path = sys.argv[1:7]
        cert = sys.argv[7] if len(sys.argv) > 7 else None
        key = sys.argv[8] if len(sys.argv) > 8 else None
        ctx = ssl.create_default_context(cafile=anchor)   # the server must chain to the trust anchor
        ctx.check_hostname = False                        # it names mail domains, not the loopback host
        if cert:
            ctx.load_cert_chain(cert, key)
        try:
            with smtplib.SMTP(host, int(port), timeout=20) as s:
                s.starttls(context=ctx)
                s.sendmail(frm, [to], open(path, 'rb').read())
            print("sent")
        except smtplib.SMTPResponseException as e:
            print(e.smtp_code, e.smtp_error.decode())
            sys.exit(3)
        """;

    [Fact]
    public async Task Python_smtplib_with_the_operator_certificate_delivers_and_without_it_is_refused()
    {
        await using var space = await TwoOperators.StartAsync();
        var message = Path.Combine(space.Root.FullName, "msg.eml");
        await File.WriteAllBytesAsync(message, TwoOperators.Message(TwoOperators.Pharmacist, TwoOperators.Doctor));
        var script = Path.Combine(space.Root.FullName, "send.py");
        await File.WriteAllTextAsync(script, PythonSend);
        var relay = space.B!.RelayEndPoint;

        var sent = await RunAsync("python3", script, "127.0.0.1", relay.Port.ToString(), space.TrustAnchorPath,
            TwoOperators.Pharmacist, TwoOperators.Doctor, message, space.ConfigA.Tls.Certificate!, space.ConfigA.Tls.Key!);
        Assert.True(sent.ExitCode == 0, sent.Output);
        var received = await TwoOperators.WaitForInboxAsync(space.B.Store, TwoOperators.Doctor);
        Assert.Equal(await File.ReadAllBytesAsync(message), TwoOperators.WithoutFirstReceivedHeader(received[0]));

        var refused = await RunAsync("python3", script, "127.0.0.1", relay.Port.ToString(), space.TrustAnchorPath,
            TwoOperators.Pharmacist, TwoOperators.Doctor, message);
        Assert.Equal(3, refused.ExitCode);
        Assert.StartsWith("530 5.7", refused.Output.Trim(), StringComparison.Ordinal);
        Assert.Single(await RelayEndToEndTests.ListInboxAsync(space.B.Store, TwoOperators.Doctor));
    }

    [Fact]
    public async Task Swaks_with_the_operator_certificate_delivers()
    {
        await using var space = await TwoOperators.StartAsync();
        var message = Path.Combine(space.Root.FullName, "msg.eml");
        await File.WriteAllBytesAsync(message, TwoOperators.Message(TwoOperators.Pharmacist, TwoOperators.Doctor));

        var result = await RunAsync("swaks", "--server", $"127.0.0.1:{space.B!.RelayEndPoint.Port}", "--tls",
            "--tls-cert", space.ConfigA.Tls.Certificate!, "--tls-key", space.ConfigA.Tls.Key!,
            "--ehlo", "mx.pharmacien.mssante.fr",
            "--from", TwoOperators.Pharmacist, "--to", TwoOperators.Doctor, "--data", "@" + message);

        Assert.True(result.ExitCode == 0, result.Output);
        var received = await TwoOperators.WaitForInboxAsync(space.B.Store, TwoOperators.Doctor);
        Assert.Contains("Subject: Ordonnance", System.Text.Encoding.UTF8.GetString(received[0]), StringComparison.Ordinal);
    }

    internal static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
