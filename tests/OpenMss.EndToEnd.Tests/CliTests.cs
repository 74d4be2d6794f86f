using System.Security.Cryptography.X509Certificates;

namespace OpenMss.EndToEnd.Tests;

/// <summary>The <c>openmss</c> command as an administrator uses it.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task Ca_init_and_issue_write_certificates_that_chain_with_private_keys_readable_by_owner_only()
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("openmss-cli-");
        try
        {
            var ca = Path.Combine(dir.FullName, "ca");
            var init = await Cli.RunAsync("ca", "init", "--dir", ca, "--name", "Autorité de test");
            Assert.True(init.ExitCode == 0, init.Err);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(ca, "ca.key")));

            var again = await Cli.RunAsync("ca", "init", "--dir", ca);
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("already exists", again.Err, StringComparison.Ordinal);

            var cert = Path.Combine(dir.FullName, "op.pem");
            var key = Path.Combine(dir.FullName, "op.key");
            var issue = await Cli.RunAsync("ca", "issue", "operator", "--dir", ca, "--name", "Pharmaciens",
                "--domain", "pharmacien.mssante.fr", "--cert", cert, "--key", key);
            Assert.True(issue.ExitCode == 0, issue.Err);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));

            using var root = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(ca, "ca.pem")));
            using var issued = X509Certificate2.CreateFromPemFile(cert, key);
            Assert.True(issued.HasPrivateKey);
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            Assert.True(chain.Build(issued));
            Assert.Contains("pharmacien.mssante.fr", issued.GetNameInfo(X509NameType.DnsName, false), StringComparison.Ordinal);

            var wrongDomain = await Cli.RunAsync("ca", "issue", "operator", "--dir", ca, "--name", "X",
                "--domain", "example.com", "--cert", cert + "2", "--key", key + "2");
            Assert.Equal(1, wrongDomain.ExitCode);
            Assert.False(File.Exists(cert + "2"));

            // An operator certificate never names a host outside the trust space's domains; a web
            // surface's server certificate does, for server use only.
            var loopbackOperator = await Cli.RunAsync("ca", "issue", "operator", "--dir", ca, "--name", "X",
                "--domain", "localhost", "--cert", cert + "3", "--key", key + "3");
            Assert.Equal(1, loopbackOperator.ExitCode);
            var serverCert = Path.Combine(dir.FullName, "web.pem");
            var server = await Cli.RunAsync("ca", "issue", "server", "--dir", ca, "--name", "Annuaire",
                "--host", "localhost", "--host", "127.0.0.1", "--cert", serverCert, "--key", Path.Combine(dir.FullName, "web.key"));
            Assert.True(server.ExitCode == 0, server.Err);
            using var web = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(serverCert));
            var san = web.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
            Assert.Equal(["localhost"], san.EnumerateDnsNames());
            Assert.Equal([System.Net.IPAddress.Loopback], san.EnumerateIPAddresses());
            var badHost = await Cli.RunAsync("ca", "issue", "server", "--dir", ca, "--name", "X",
                "--host", "not a host!", "--cert", cert + "4", "--key", key + "4");
            Assert.Equal(1, badHost.ExitCode);
            Assert.False(File.Exists(cert + "4"));

            var app = await Cli.RunAsync("ca", "issue", "application", "--dir", ca, "--mailbox", "labo@medecin.mssante.fr",
                "--cert", Path.Combine(dir.FullName, "app.pem"), "--key", Path.Combine(dir.FullName, "app.key"));
            Assert.True(app.ExitCode == 0, app.Err);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Mailbox_send_and_queue_commands_work_on_an_operator_configuration()
    {
        await using var space = await TwoOperators.StartAsync();
        await space.StopBAsync(); // nothing answers for medecin.mssante.fr: the message stays queued
        var config = space.ConfigPath("a");

        var created = await Cli.RunAsync("mailbox", "create", "--config", config, "lea.petit@pharmacien.mssante.fr", "--kind", "PER", "--name", "Léa Petit");
        Assert.True(created.ExitCode == 0, created.Err);
        var duplicate = await Cli.RunAsync("mailbox", "create", "--config", config, "lea.petit@pharmacien.mssante.fr");
        Assert.Equal(1, duplicate.ExitCode);
        var foreign = await Cli.RunAsync("mailbox", "create", "--config", config, "x@medecin.mssante.fr");
        Assert.Equal(1, foreign.ExitCode);
        var list = await Cli.RunAsync("mailbox", "list", "--config", config);
        Assert.Contains("lea.petit@pharmacien.mssante.fr", list.Out, StringComparison.Ordinal);

        var eml = Path.Combine(space.Root.FullName, "m.eml");
        await File.WriteAllBytesAsync(eml, TwoOperators.Message("lea.petit@pharmacien.mssante.fr", TwoOperators.Doctor));
        var send = await Cli.RunAsync("send", "--config", config, "--from", "lea.petit@pharmacien.mssante.fr",
            "--to", TwoOperators.Doctor, "--to", TwoOperators.Pharmacist, "--file", eml);
        Assert.True(send.ExitCode == 0, send.Out + send.Err);

        // The local recipient has it at once; the remote one waits in the queue.
        await TwoOperators.WaitForInboxAsync(space.A.Store, TwoOperators.Pharmacist);
        var queued = await Cli.RunAsync("queue", "list", "--config", config);
        Assert.Contains(TwoOperators.DoctorDomain, queued.Out, StringComparison.Ordinal);
        var entry = Assert.Single(await space.A.Store.ListQueueAsync());

        var drop = await Cli.RunAsync("queue", "drop", "--config", config, entry.Id.ToString());
        Assert.True(drop.ExitCode == 0, drop.Err);
        Assert.Equal(0, await space.A.Store.CountQueueAsync());
        var dropAgain = await Cli.RunAsync("queue", "drop", "--config", config, entry.Id.ToString());
        Assert.Equal(1, dropAgain.ExitCode);

        // The administrator's accesses are in the audit trail like anyone else's.
        var audit = await space.A.Store.QueryAuditAsync(new OpenMss.Storage.AuditQuery(Actor: "cli:" + Environment.UserName));
        Assert.Contains(audit, e => e is { Action: "mailbox.create", Result: "ok", Mailbox: "lea.petit@pharmacien.mssante.fr" });
        Assert.Contains(audit, e => e is { Action: "send", Mailbox: "lea.petit@pharmacien.mssante.fr" });
        Assert.Single(audit, e => e is { Action: "queue.drop", Result: "ok" });
        var deleted = await Cli.RunAsync("mailbox", "delete", "--config", config, "lea.petit@pharmacien.mssante.fr");
        Assert.True(deleted.ExitCode == 0, deleted.Out + deleted.Err);
        Assert.Contains(await space.A.Store.QueryAuditAsync(new OpenMss.Storage.AuditQuery(Mailbox: "lea.petit@pharmacien.mssante.fr")),
            e => e is { Action: "mailbox.delete", Result: "ok" } && e.Actor == "cli:" + Environment.UserName);

        var badConfig = await Cli.RunAsync("queue", "list", "--config", Path.Combine(space.Root.FullName, "missing.json"));
        Assert.Equal(1, badConfig.ExitCode);
        Assert.Contains("not found", badConfig.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", badConfig.Err, StringComparison.Ordinal); // no stack trace

        // An introspection client without its secret file is a configuration error, said plainly.
        var json = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(config))!.AsObject();
        json["identity"] = new System.Text.Json.Nodes.JsonObject { ["issuer"] = "https://psc.example/", ["introspectionClientId"] = "openmss-operators" };
        var incomplete = Path.Combine(space.Root.FullName, "incomplete.json");
        await File.WriteAllTextAsync(incomplete, json.ToJsonString());
        var noSecret = await Cli.RunAsync("queue", "list", "--config", incomplete);
        Assert.Equal(1, noSecret.ExitCode);
        Assert.Contains("introspectionClientSecretFile", noSecret.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_lines_a_client_chose_cannot_send_escape_sequences_to_the_administrators_terminal()
    {
        await using var space = await TwoOperators.StartAsync();
        var config = space.ConfigPath("a");

        // A PLAIN login is any UTF-8 but NUL: it lands in the audit trail as the actor of a failed attempt.
        var hostile = "x\u001b]0;owned\u0007\u001b[2J\r810001234565  auth  ok\u202E";
        await space.A.Store.AppendAuditAsync(new OpenMss.Storage.AuditEvent(DateTimeOffset.UtcNow, hostile, TwoOperators.Pharmacist, "auth", "failed", "192.0.2.1", "PLAIN"));

        var audit = await Cli.RunAsync("audit", "--config", config, "--mailbox", TwoOperators.Pharmacist);
        Assert.True(audit.ExitCode == 0, audit.Err);
        Assert.DoesNotContain('\u001b', audit.Out);
        Assert.DoesNotContain('\u0007', audit.Out);
        Assert.DoesNotContain('\r', audit.Out);
        Assert.DoesNotContain('\u202E', audit.Out);
        Assert.Contains("x\\u001B]0;owned\\u0007", audit.Out, StringComparison.Ordinal);
        Assert.Single(audit.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
