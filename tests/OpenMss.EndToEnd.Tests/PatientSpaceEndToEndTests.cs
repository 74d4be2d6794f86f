using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MimeKit;
using OpenMss.Demo;
using OpenMss.Storage;
using OpenMss.Testing;

namespace OpenMss.EndToEnd.Tests;

/// <summary>
/// The demo's doctor and pharmacy writing to the demo's patients over the real relay (mutual TLS,
/// whitelist and routing from the directory): each account state's effect at RCPT, the failure notice
/// the sender gets, and no INS in any log line of the whole trust space.
/// </summary>
public sealed class PatientSpaceEndToEndTests : IAsyncLifetime
{
    private const string Doctor = "jean.dupont@medecin.mssante.fr";
    private const string Pharmacy = "pharmacie.centrale@pharmacien.mssante.fr";

    private readonly DirectoryInfo _dir = System.IO.Directory.CreateTempSubdirectory("openmss-patients-test-");
    private readonly ConcurrentQueue<string> _logs = new();
    private ILoggerFactory _loggers = null!;
    private DemoTrustSpace _demo = null!;

    public async Task InitializeAsync()
    {
        _loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new WebEndpointSecurityTests.Capture(_logs)));
        _demo = await DemoTrustSpace.StartAsync(_dir.FullName, _loggers);
    }

    public async Task DisposeAsync()
    {
        await _demo.DisposeAsync();
        _loggers.Dispose();
        _dir.Delete(recursive: true);
    }

    private JsonElement Patient(string status)
    {
        var contract = JsonDocument.Parse(File.ReadAllText(_demo.DemoJsonPath)).RootElement;
        return contract.GetProperty("accounts").EnumerateArray()
            .First(a => a.GetProperty("role").GetString() == "patient" && a.GetProperty("status").GetString() == status).Clone();
    }

    private JsonElement Account(string role) =>
        JsonDocument.Parse(File.ReadAllText(_demo.DemoJsonPath)).RootElement.GetProperty("accounts").EnumerateArray()
            .First(a => a.GetProperty("role").GetString() == role).Clone();

    /// <summary>Signs in on the patient space's IMAP (STARTTLS, server checked against the demo's anchor) as <paramref name="account"/> for <paramref name="mailbox"/>.</summary>
    private async Task ImapLoginAsync(JsonElement account, string mailbox)
    {
        var contract = JsonDocument.Parse(File.ReadAllText(_demo.DemoJsonPath)).RootElement;
        var anchor = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(contract.GetProperty("trustAnchor").GetString()!));
        var endpoint = System.Net.IPEndPoint.Parse(contract.GetProperty("patientSpace").GetProperty("imap").GetString()!);
        using var client = new MailKit.Net.Imap.ImapClient { ServerCertificateValidationCallback = (_, certificate, _, _) => DemoTestBase.ChainsTo(anchor, certificate) };
        await client.ConnectAsync(endpoint.Address.ToString(), endpoint.Port, MailKit.Security.SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(new MailKit.Security.SaslMechanismPlain(
            new System.Net.NetworkCredential(account.GetProperty("login").GetString(), account.GetProperty("password").GetString()))
        {
            AuthorizationId = mailbox,
        });
    }

    private static string AddressOf(JsonElement patient) => patient.GetProperty("ins").GetString()! + "@patient.mssante.fr";

    [Fact]
    public async Task Professionals_write_to_patients_in_every_account_state_over_the_relay()
    {
        var activated = AddressOf(Patient("activated"));
        var notActivated = AddressOf(Patient("not-activated"));
        var opposed = AddressOf(Patient("opposed"));
        var ins = Patient("activated").GetProperty("ins").GetString()!;
        var key = int.Parse(ins[13..], CultureInfo.InvariantCulture);
        var wrongKey = ins[..13] + (key == 97 ? 1 : key + 1).ToString("00", CultureInfo.InvariantCulture) + "@patient.mssante.fr";
        var doctors = _demo.Operators[1];
        var pharmacists = _demo.Operators[0];
        var patients = _demo.PatientSpace.Operator.Store;

        // Activated and not activated: accepted at RCPT by the patient space and stored.
        await doctors.Submitter.SubmitAsync(Doctor, [new OutboundRecipient(activated)], TwoOperators.Message(Doctor, activated, subject: "Vos résultats"));
        await pharmacists.Submitter.SubmitAsync(Pharmacy, [new OutboundRecipient(activated)], TwoOperators.Message(Pharmacy, activated, subject: "Votre commande"));
        await doctors.Submitter.SubmitAsync(Doctor, [new OutboundRecipient(notActivated)], TwoOperators.Message(Doctor, notActivated, subject: "Compte rendu"));
        // The patients' mailboxes appear with their first message.
        await Eventually.WaitUntilAsync(async () => await patients.FindMailboxAsync(activated) is not null && await patients.FindMailboxAsync(notActivated) is not null);
        var delivered = await TwoOperators.WaitForInboxAsync(patients, activated, 2);
        Assert.Contains(delivered, m => MimeMessage.Load(new MemoryStream(m)).Subject == "Votre commande");
        var kept = await TwoOperators.WaitForInboxAsync(patients, notActivated);
        Assert.Equal("Compte rendu", MimeMessage.Load(new MemoryStream(kept[0])).Subject);
        // Kept for a patient who has no login yet: the mailbox has no owner, so no professional login opens it,
        // not even the sender's on the patient space's own IMAP.
        Assert.Null((await patients.FindMailboxAsync(notActivated))!.OwnerId);
        await Assert.ThrowsAsync<MailKit.Security.AuthenticationException>(() => ImapLoginAsync(Account("doctor"), notActivated));

        // Opposed, and a wrong INS key: refused at RCPT; each sender gets the failure notice.
        await doctors.Submitter.SubmitAsync(Doctor, [new OutboundRecipient(opposed)], TwoOperators.Message(Doctor, opposed, subject: "Ordonnance"));
        await pharmacists.Submitter.SubmitAsync(Pharmacy, [new OutboundRecipient(wrongKey)], TwoOperators.Message(Pharmacy, wrongKey, subject: "Ordonnance"));
        AssertFailureNotice((await TwoOperators.WaitForInboxAsync(doctors.Store, Doctor))[0], opposed);
        AssertFailureNotice((await TwoOperators.WaitForInboxAsync(pharmacists.Store, Pharmacy))[0], wrongKey);

        // Mailboxes exist only for the patients who received something.
        Assert.Equal(
            new[] { activated, notActivated }.Select(a => a.ToLowerInvariant()).Order(StringComparer.Ordinal),
            (await patients.ListMailboxesAsync()).Select(m => m.Address).Order(StringComparer.Ordinal));

        await Eventually.WaitUntilAsync(async () => await doctors.Store.CountQueueAsync() == 0 && await pharmacists.Store.CountQueueAsync() == 0);

        // No INS in any log line of any service, in either case (a Corsican 2A is 2a in addresses).
        Assert.NotEmpty(_logs);
        foreach (var secret in DemoCatalogue.Patients.Select(p => p.Ins.Value).Append(wrongKey[..15]))
        {
            Assert.DoesNotContain(_logs, l => l.Contains(secret, StringComparison.OrdinalIgnoreCase));
        }
    }

    private static void AssertFailureNotice(byte[] raw, string recipient)
    {
        var report = MimeMessage.Load(new MemoryStream(raw));
        var multipart = Assert.IsType<MultipartReport>(report.Body);
        var readable = Assert.IsType<TextPart>(multipart[0]);
        // French first, with the patient space's reply: the mailbox does not exist or is closed, never which.
        Assert.Contains("n'a pas pu être remis", readable.Text, StringComparison.Ordinal);
        Assert.Contains("Boite aux lettres du patient inexistante ou fermee", readable.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("oppos", readable.Text, StringComparison.OrdinalIgnoreCase);
        var status = Assert.IsType<MessageDeliveryStatus>(multipart[1]);
        var group = status.StatusGroups[1];
        Assert.Equal(("failed", "5.1.1"), (group["Action"], group["Status"]));
        Assert.Contains(recipient, group["Final-Recipient"], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("550 5.1.1 Boite aux lettres du patient inexistante ou fermee", group["Diagnostic-Code"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_patients_commands_import_all_or_nothing_and_audit_a_state_change_without_printing_the_ins()
    {
        var config = Path.Combine(_dir.FullName, "operators", DemoCatalogue.PatientSpace.Id, "patient-space.json");
        var registry = _demo.PatientSpace.Registry;
        var before = await registry.CountAsync();
        var newcomer = OpenMss.Core.Identifiers.InsMatricule.FromNir("1750575099123");
        var header = OpenMss.PatientSpace.Import.PatientCsvFormat.HeaderLine;

        var bad = Path.Combine(_dir.FullName, "bad.csv");
        await File.WriteAllTextAsync(bad, $"{header}\n{newcomer.Value};Paul;DURAND;1975-05-01;;;activated\n{newcomer.Value[..13]}00;Eve;BLANC;1980-01-01;;;activated\n");
        var refused = await Cli.RunAsync("patients", "import", "--config", config, bad);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("line 3: bad INS key", refused.Err, StringComparison.Ordinal);
        Assert.Contains("nothing imported", refused.Err, StringComparison.Ordinal);
        Assert.Equal(before, await registry.CountAsync());

        var good = Path.Combine(_dir.FullName, "good.csv");
        await File.WriteAllTextAsync(good, $"{header}\n{newcomer.Value};Paul;DURAND;1975-05-01;paul.durand@example.org;8025000042;not-activated\n");
        var imported = await Cli.RunAsync("patients", "import", "--config", config, good);
        Assert.True(imported.ExitCode == 0, imported.Err);
        Assert.Contains("1 patients imported: 1 new", imported.Out, StringComparison.Ordinal);

        var changed = await Cli.RunAsync("patients", "set-state", "--config", config, newcomer.Value, "opposed");
        Assert.True(changed.ExitCode == 0, changed.Err);
        Assert.Equal("state: opposed (was not-activated)", changed.Out.Trim());
        var shown = await Cli.RunAsync("patients", "show", "--config", config, newcomer.Value);
        Assert.Contains("state: opposed", shown.Out, StringComparison.Ordinal);
        Assert.Contains("familyName: DURAND", shown.Out, StringComparison.Ordinal);

        var unknown = await Cli.RunAsync("patients", "set-state", "--config", config, OpenMss.Core.Identifiers.InsMatricule.FromNir("1750575099124").Value, "closed");
        Assert.Equal((1, "openmss: no patient with this INS in the registry."), (unknown.ExitCode, unknown.Err.Trim()));
        var wrongKey = await Cli.RunAsync("patients", "set-state", "--config", config, newcomer.Value[..13] + "00", "closed");
        Assert.Equal((1, "openmss: ins: the INS key is wrong."), (wrongKey.ExitCode, wrongKey.Err.Trim()));

        // The operator's audit trail names the patient's mailbox; the outputs never repeat an INS.
        var audit = await _demo.PatientSpace.Operator.Store.QueryAuditAsync(new AuditQuery(Mailbox: newcomer.Value + "@patient.mssante.fr"));
        Assert.Contains(audit, e => e.Action == "patient.state" && e.Result == "ok" && e.Detail == "not-activated -> opposed" && e.Actor.StartsWith("cli:", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.Action == "patient.show");
        foreach (var output in new[] { refused.Err, refused.Out, imported.Out, imported.Err, changed.Out, changed.Err, unknown.Err, wrongKey.Err })
        {
            Assert.DoesNotContain(newcomer.Value[..13], output, StringComparison.Ordinal);
        }

        // The state applies to the next message at once.
        Assert.Equal(OpenMss.PatientSpace.Registry.PatientAccountState.Opposed, await registry.FindStateAsync(newcomer));
    }
}
