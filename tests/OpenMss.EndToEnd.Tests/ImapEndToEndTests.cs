using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Demo;
using OpenMss.Storage;
using OpenMss.Testing;
using MessageFlags = MailKit.MessageFlags;

namespace OpenMss.EndToEnd.Tests;

/// <summary>The pharmacy team shares the pharmacy's organisational mailbox over IMAP, in the demo.</summary>
public sealed class ImapEndToEndTests : DemoTestBase
{
    private const string Org = "pharmacie.centrale@pharmacien.mssante.fr";
    [Fact]
    public async Task Two_members_read_and_flag_the_same_message_and_a_non_member_is_refused()
    {
        // A doctor writes to the pharmacy.
        await Demo.Operators[1].Submitter.SubmitAsync("jean.dupont@medecin.mssante.fr", [new OutboundRecipient(Org)],
            TwoOperators.Message("jean.dupont@medecin.mssante.fr", Org, subject: "Ordonnance de Mme X"));
        await TwoOperators.WaitForInboxAsync(Demo.Operators[0].Store, Org);

        using var technician = await LoginAsync(Account("technician"), Org);
        using var pharmacist = await LoginAsync(Account("pharmacist"), Org);
        var inboxT = technician.Inbox;
        await inboxT.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(1, inboxT.Count);
        var message = await inboxT.GetMessageAsync(0);
        Assert.Equal("Ordonnance de Mme X", message.Subject);

        var inboxP = pharmacist.Inbox;
        await inboxP.OpenAsync(FolderAccess.ReadWrite);
        await inboxP.AddFlagsAsync(0, MessageFlags.Flagged, silent: true);

        await inboxT.CheckAsync(); // NOOP-like: the technician's session sees the pharmacist's flag
        var summary = (await inboxT.FetchAsync(0, 0, MessageSummaryItems.Flags)).Single();
        Assert.True(summary.Flags!.Value.HasFlag(MessageFlags.Flagged));

        // The doctor, although a professional with valid credentials, is not a member.
        await Assert.ThrowsAsync<AuthenticationException>(() => LoginAsync(Account("doctor"), Org, operatorIndex: 0));

        // The audit trail names who read the shared mailbox, never the subject.
        var audit = await Demo.Operators[0].Store.QueryAuditAsync(new AuditQuery(Mailbox: Org));
        Assert.Contains(audit, e => e.Actor == Account("technician").GetProperty("idNatPs").GetString() && e.Action == "auth" && e.Result == "ok");
        Assert.Contains(audit, e => e.Actor == Account("doctor").GetProperty("idNatPs").GetString() && e.Result == "denied");
        Assert.Contains(audit, e => e.Actor == Account("technician").GetProperty("idNatPs").GetString() && e.Action == "imap.read");
        Assert.Contains(audit, e => e.Actor == Account("pharmacist").GetProperty("idNatPs").GetString() && e.Action == "imap.store");
        Assert.DoesNotContain(audit, e => (e.Detail ?? "").Contains("Ordonnance", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_professional_reads_their_own_mailbox_and_not_someone_elses()
    {
        var pharmacist = Account("pharmacist");
        using var own = await LoginAsync(pharmacist, null);
        Assert.Contains(own.GetFolders(own.PersonalNamespaces[0]), f => f.Attributes.HasFlag(FolderAttributes.Sent));

        var colleague = Contract.GetProperty("accounts").EnumerateArray()
            .Where(a => a.GetProperty("role").GetString() == "pharmacist").Skip(1).First();
        var otherAddress = colleague.GetProperty("mailboxes")[0].GetProperty("address").GetString()!;
        await Assert.ThrowsAsync<AuthenticationException>(() => LoginAsync(pharmacist, otherAddress));
    }

    [Fact]
    public async Task A_member_removed_by_the_administrator_is_cut_off_while_connected()
    {
        var technician = Account("technician");
        using var client = await LoginAsync(technician, Org);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);

        var config = Contract.GetProperty("operators")[0].GetProperty("config").GetString()!;
        var removed = await Cli.RunAsync("mailbox", "members", "remove", "--config", config, Org, "--member", technician.GetProperty("idNatPs").GetString()!);
        Assert.True(removed.ExitCode == 0, removed.Err);

        // The CLI is another process: the session learns of it at its next check (every 5 s), and
        // then ends the session at the client's next command.
        await Eventually.WaitUntilAsync(async () =>
        {
            try
            {
                await client.Inbox.CheckAsync();
                return false;
            }
            catch (Exception e) when (e is ImapProtocolException or ImapCommandException or IOException or ServiceNotConnectedException)
            {
                return true;
            }
        }, "the removed member's session to be closed");
        Assert.False(client.IsConnected);
        await Assert.ThrowsAsync<AuthenticationException>(() => LoginAsync(technician, Org));
    }

    [Fact]
    public async Task Subscriptions_are_kept_across_connections()
    {
        var pharmacist = Account("pharmacist");
        using (var client = await LoginAsync(pharmacist, null))
        {
            var trash = await client.GetFolderAsync("Trash");
            await trash.UnsubscribeAsync();
        }

        using var again = await LoginAsync(pharmacist, null);
        var subscribed = (await again.GetFoldersAsync(again.PersonalNamespaces[0], StatusItems.None, true)).Select(f => f.FullName).ToList();
        Assert.DoesNotContain("Trash", subscribed);
        Assert.Contains("Sent", subscribed);
        var all = (await again.GetFoldersAsync(again.PersonalNamespaces[0], StatusItems.None, false)).Select(f => f.FullName).ToList();
        Assert.Contains("Trash", all);
    }

    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_for_a_while_even_with_the_right_one()
    {
        var pharmacist = Account("pharmacist");
        var wrong = JsonDocument.Parse($$"""{"login":"{{pharmacist.GetProperty("login").GetString()}}","password":"mauvais"}""").RootElement;
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<AuthenticationException>(() => LoginAsync(wrong, null));
        }

        // The right password is refused too while the account is locked, and the audit trail says why.
        await Assert.ThrowsAsync<AuthenticationException>(() => LoginAsync(pharmacist, null));
        var audit = await Demo.Operators[0].Store.QueryAuditAsync(new AuditQuery(Actor: pharmacist.GetProperty("login").GetString()));
        Assert.Contains(audit, e => e.Action == "auth" && e.Result == "rate_limited");
    }

    private async Task<ImapClient> LoginAsync(JsonElement account, string? authorizationId, int operatorIndex = 0)
    {
        var client = new ImapClient
        {
            ServerCertificateValidationCallback = TrustAnchorValidation(),
        };
        var endpoint = IPEndPoint.Parse(Contract.GetProperty("operators")[operatorIndex].GetProperty("imap").GetString()!);
        try
        {
            await client.ConnectAsync(endpoint.Address.ToString(), endpoint.Port, SecureSocketOptions.StartTls);
            await client.AuthenticateAsync(new SaslMechanismPlain(new NetworkCredential(account.GetProperty("login").GetString(), account.GetProperty("password").GetString()))
            {
                AuthorizationId = authorizationId,
            });
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}
