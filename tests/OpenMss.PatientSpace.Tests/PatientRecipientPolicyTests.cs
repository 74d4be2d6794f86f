using OpenMss.PatientSpace.Acceptance;
using OpenMss.PatientSpace.Registry;
using OpenMss.Smtp.Acceptance;
using OpenMss.Smtp.Protocol;
using OpenMss.Testing;

namespace OpenMss.PatientSpace.Tests;

/// <summary>
/// The patient domain at RCPT: every refusal is the same 550 5.1.1 (a sender cannot tell opposed or
/// closed from unknown), accepted patients get their mailbox on their first message only.
/// </summary>
public sealed class PatientRecipientPolicyTests
{
    public static TheoryData<StoreBackend> Backends => TestStores.Backends;

    private const string Domain = "patient.mssante.fr";

    private static async Task SeedAsync(IPatientRegistry registry)
    {
        await using var import = await registry.BeginImportAsync();
        await import.WriteAsync(new PatientImportRow(TestPatients.Alice, TestPatients.Identity(), PatientAccountState.Activated));
        await import.WriteAsync(new PatientImportRow(TestPatients.Chiara, TestPatients.Identity("Chiara", "ROSSI"), PatientAccountState.NotActivated));
        await import.WriteAsync(new PatientImportRow(TestPatients.Denis, TestPatients.Identity("Denis", "FABRE"), PatientAccountState.Opposed));
        await import.WriteAsync(new PatientImportRow(TestPatients.Bruno, TestPatients.Identity("Bruno", "LEROY"), PatientAccountState.Closed));
        await import.CommitAsync();
    }

    private static string Address(OpenMss.Core.Identifiers.InsMatricule ins) => ins.Value + "@" + Domain;

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Refusals_are_one_reply_whatever_the_reason(StoreBackend backend)
    {
        await using var test = await TestRegistry.CreateAsync(backend);
        await SeedAsync(test.Registry);
        await using var store = await test.Database.OpenStoreAsync();
        var pipeline = new AcceptancePipeline(
        [
            new PatientRecipientPolicy(test.Registry, store, Domain),
            new LocalRecipientPolicy(store, new LocalDomainSet([Domain]), refusesOtherDomains: true),
        ]);
        var wrongKey = TestPatients.Alice.Value[..13] + (TestPatients.Alice.Key == 97 ? "01" : (TestPatients.Alice.Key + 1).ToString("00", System.Globalization.CultureInfo.InvariantCulture));
        var refused = new[]
        {
            Address(TestPatients.Denis),                          // opposed
            Address(TestPatients.Bruno),                          // closed
            Address(TestPatients.Generated(42)),                  // well-formed, not in the registry
            wrongKey + "@" + Domain,                              // wrong key
            "jean.dupont@" + Domain,                              // not an INS
            "12345678901234@PATIENT.MSSANTE.FR",                  // 14 characters
        };

        foreach (var address in refused)
        {
            var reply = await pipeline.CheckRecipientAsync(new AcceptanceEnvelope("jean.dupont@medecin.mssante.fr"), new AcceptanceRecipient(address));
            Assert.Same(SmtpReplies.PatientMailboxUnavailable, reply);
            Assert.Equal((550, "5.1.1", "Boite aux lettres du patient inexistante ou fermee"), (reply.Code, reply.EnhancedStatus, reply.Lines.Single()));
        }

        Assert.Empty(await store.ListMailboxesAsync());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Activated_and_not_activated_patients_get_their_mailbox_on_the_first_message_only(StoreBackend backend)
    {
        await using var test = await TestRegistry.CreateAsync(backend);
        await SeedAsync(test.Registry);
        await using var store = await test.Database.OpenStoreAsync();
        var policy = new PatientRecipientPolicy(test.Registry, store, Domain);
        var pipeline = new AcceptancePipeline([policy, new LocalRecipientPolicy(store, new LocalDomainSet([Domain]), refusesOtherDomains: true)]);
        Assert.Empty(await store.ListMailboxesAsync());

        var envelope = new AcceptanceEnvelope("pharmacie.centrale@pharmacien.mssante.fr");
        var alice = new AcceptanceRecipient(Address(TestPatients.Alice));
        Assert.Same(SmtpReplies.RecipientOk, await pipeline.CheckRecipientAsync(envelope, alice));
        // A Corsican INS written with its letter in lower case names the same patient.
        var chiara = new AcceptanceRecipient(Address(TestPatients.Chiara).ToLowerInvariant());
        Assert.Same(SmtpReplies.RecipientOk, await pipeline.CheckRecipientAsync(envelope, chiara));

        var mailboxes = await store.ListMailboxesAsync();
        Assert.Equal(
            new[] { policy.MailboxAddress(TestPatients.Alice), policy.MailboxAddress(TestPatients.Chiara) }.Order(StringComparer.Ordinal),
            mailboxes.Select(m => m.Address).Order(StringComparer.Ordinal));
        // No owner and no name: the mailbox opens for no professional and says nothing of the patient.
        Assert.All(mailboxes, m => Assert.Equal((null, null), (m.OwnerId, m.DisplayName)));
        Assert.Equal(alice.Mailbox!.Id, mailboxes.Single(m => m.Address == policy.MailboxAddress(TestPatients.Alice)).Id);

        // The next message finds the same mailbox.
        var again = new AcceptanceRecipient(Address(TestPatients.Alice));
        Assert.Same(SmtpReplies.RecipientOk, await pipeline.CheckRecipientAsync(new AcceptanceEnvelope("x@medecin.mssante.fr"), again));
        Assert.Equal(alice.Mailbox.Id, again.Mailbox!.Id);
        Assert.Equal(2, (await store.ListMailboxesAsync()).Count);
    }

    [Fact]
    public async Task A_state_change_applies_to_the_next_message()
    {
        await using var test = await TestRegistry.CreateAsync(StoreBackend.Sqlite);
        await SeedAsync(test.Registry);
        await using var store = await test.Database.OpenStoreAsync();
        var policy = new PatientRecipientPolicy(test.Registry, store, Domain);
        Assert.Null(await policy.CheckRecipientAsync(new AcceptanceEnvelope("a@medecin.mssante.fr"), new AcceptanceRecipient(Address(TestPatients.Chiara))));

        await test.Registry.SetStateAsync(TestPatients.Chiara, PatientAccountState.Opposed);
        Assert.Same(SmtpReplies.PatientMailboxUnavailable,
            await policy.CheckRecipientAsync(new AcceptanceEnvelope("a@medecin.mssante.fr"), new AcceptanceRecipient(Address(TestPatients.Chiara))));
    }

    [Fact]
    public async Task Other_domains_are_left_to_the_next_stages()
    {
        await using var test = await TestRegistry.CreateAsync(StoreBackend.Sqlite);
        await using var store = await test.Database.OpenStoreAsync();
        var policy = new PatientRecipientPolicy(test.Registry, store, Domain);
        var recipient = new AcceptanceRecipient(TestPatients.Alice.Value + "@medecin.mssante.fr");
        Assert.Null(await policy.CheckRecipientAsync(new AcceptanceEnvelope(string.Empty), recipient));
        Assert.Null(recipient.Mailbox);
        Assert.Null(await policy.CheckRecipientAsync(new AcceptanceEnvelope(string.Empty), new AcceptanceRecipient("postmaster")));
    }
}
