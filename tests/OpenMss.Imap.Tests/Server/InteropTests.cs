using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using OpenMss.Storage;
using OpenMss.Testing;

namespace OpenMss.Imap.Tests.Server;

/// <summary>Clients no one here wrote: Python's imaplib and mbsync (isync), over implicit TLS checked against the test anchor.</summary>
public class InteropTests
{
    private static readonly Lazy<X509Certificate2> Localhost = new(() => TestPki.Authority.IssueOperatorCertificate("Localhost", ["localhost"]).Certificate);

    private static Task<ImapHarness> StartAsync() => ImapHarness.StartAsync(configure: o => o.ServerCertificate = Localhost.Value);

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException(file + " did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private const string ImaplibScript = """
        import imaplib, ssl, sys
        host, port, cafile, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
        context = ssl.create_default_context(cafile=cafile)
        imap = imaplib.IMAP4_SSL(host, port, ssl_context=context)
        print("CAPS", " ".join(sorted(imap.capabilities)))
        print("LOGIN", imap.login(user, password)[0])
        typ, data = imap.select("INBOX")
        print("SELECT", typ, data[0].decode())
        typ, data = imap.search("UTF-8", "SUBJECT", "ordonnance".encode())
        print("SEARCH", data[0].decode())
        typ, data = imap.fetch("1", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        print("FETCH", data[0][1].decode().strip())
        typ, data = imap.store("1", "+FLAGS", "(\\Flagged)")
        print("STORE", typ, data[0].decode())
        typ, data = imap.uid("SEARCH", None, "FLAGGED")
        print("FLAGGED", data[0].decode())
        typ, data = imap.uid("FETCH", "2", "(RFC822)")
        print("BODY", b"Deuxieme" in data[0][1])
        typ, data = imap.append("Archive", "(\\Seen)", None, b"Subject: copie\r\n\r\nTexte\r\n")
        print("APPEND", typ, data[0].decode())
        print("LIST", len(imap.list()[1]))
        imap.close()
        print("LOGOUT", imap.logout()[0])
        """;

    [Fact]
    public async Task Python_imaplib_logs_in_selects_searches_fetches_and_stores()
    {
        await using var harness = await StartAsync();
        await harness.DeliverAsync("Ordonnance", "Premier");
        await harness.DeliverAsync("Autre", "Deuxieme");
        var script = Path.Combine(Path.GetTempPath(), "openmss-imaplib-" + Guid.NewGuid().ToString("N") + ".py");
        await File.WriteAllTextAsync(script, ImaplibScript);
        try
        {
            var (code, output) = await RunAsync("python3", [script, "localhost", harness.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), TestPki.AnchorPemPath, ImapHarness.User, ImapHarness.Password]);

            Assert.True(code == 0, output);
            Assert.Contains("LOGIN OK", output, StringComparison.Ordinal);
            Assert.Contains("SELECT OK 2", output, StringComparison.Ordinal);
            Assert.Contains("SEARCH 1\n", output, StringComparison.Ordinal);
            Assert.Contains("FETCH Subject: Ordonnance", output, StringComparison.Ordinal);
            Assert.Contains("STORE OK 1 (FLAGS (\\Flagged))", output, StringComparison.Ordinal);
            Assert.Contains("FLAGGED 1\n", output, StringComparison.Ordinal);
            Assert.Contains("BODY True", output, StringComparison.Ordinal);
            Assert.Contains("APPEND OK [APPENDUID", output, StringComparison.Ordinal);
            Assert.Contains("LIST 5", output, StringComparison.Ordinal);
            Assert.Contains("LOGOUT BYE", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public async Task Mbsync_synchronises_a_mailbox_to_maildir_and_back_with_flags()
    {
        const string Mbsync = "/usr/bin/mbsync";
        Assert.True(File.Exists(Mbsync), "mbsync is required for this test: install the Debian package isync (apt-get install isync).");
        await using var harness = await StartAsync();
        var inbox = await harness.InboxIdAsync();
        for (var i = 0; i < 200; i++)
        {
            var raw = Messages.Create($"Message {i}", $"Corps {i}");
            await harness.Store.AppendAsync(inbox, raw, i % 10 == 0 ? MessageFlags.Seen : MessageFlags.None, DateTimeOffset.UtcNow);
        }

        var root = Path.Combine(Path.GetTempPath(), "openmss-mbsync-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            var maildir = Path.Combine(root, "mail");
            Directory.CreateDirectory(maildir);
            var config = Path.Combine(root, "mbsyncrc");
            await File.WriteAllTextAsync(config, $"""
                IMAPAccount test
                Host localhost
                Port {harness.EndPoint.Port}
                User {ImapHarness.User}
                Pass "{ImapHarness.Password}"
                SSLType IMAPS
                CertificateFile {TestPki.AnchorPemPath}
                AuthMechs LOGIN

                IMAPStore remote
                Account test

                MaildirStore local
                Path {maildir}/
                Inbox {maildir}/INBOX
                SubFolders Verbatim

                Channel sync
                Far :remote:
                Near :local:
                Patterns INBOX Archive
                Create Both
                Expunge Both
                SyncState *

                """);
            string[] args = ["-c", config, "-a"];

            var (code, output) = await RunAsync(Mbsync, args, root);
            Assert.True(code == 0, "first sync failed: " + output);
            var cur = Path.Combine(maildir, "INBOX", "cur");
            var newDir = Path.Combine(maildir, "INBOX", "new");
            var files = Directory.GetFiles(cur).Concat(Directory.GetFiles(newDir)).ToList();
            Assert.Equal(200, files.Count);
            Assert.Equal(20, files.Count(f => Path.GetFileName(f).Contains(":2,S", StringComparison.Ordinal)));

            // Locally: flag five messages, trash (T) three; remotely: a new message arrives.
            var plain = files.Where(f => !Path.GetFileName(f).Contains(":2,S", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            foreach (var file in plain.Take(5))
            {
                File.Move(file, Path.Combine(cur, Path.GetFileName(file).Split(":2,")[0] + ":2,FS"));
            }

            foreach (var file in plain.Skip(5).Take(3))
            {
                File.Move(file, Path.Combine(cur, Path.GetFileName(file).Split(":2,")[0] + ":2,T"));
            }

            await harness.DeliverAsync("Après synchro", "nouveau");
            (code, output) = await RunAsync(Mbsync, args, root);
            Assert.True(code == 0, "second sync failed: " + output);

            var remote = await harness.Store.ListMessageFlagsAsync(inbox);
            Assert.Equal(198, remote.Count);
            Assert.Equal(5, remote.Count(m => (m.Flags & MessageFlags.Flagged) != 0));
            Assert.Equal(25, remote.Count(m => (m.Flags & MessageFlags.Seen) != 0));
            var local = Directory.GetFiles(cur).Concat(Directory.GetFiles(newDir)).ToList();
            Assert.Equal(198, local.Count);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
