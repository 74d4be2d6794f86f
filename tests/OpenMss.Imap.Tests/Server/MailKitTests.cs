#nullable disable
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;
using OpenMss.Imap.Server;
using OpenMss.Testing;

namespace OpenMss.Imap.Tests.Server;

/// <summary>MailKit's ImapClient, a client no one here wrote, against the server over real TLS.</summary>
public class MailKitTests
{
    [Theory]
    [InlineData(ImapTlsMode.Implicit)]
    [InlineData(ImapTlsMode.StartTls)]
    public async Task A_client_logs_in_over_tls_and_sees_the_capabilities(ImapTlsMode mode)
    {
        await using var harness = await ImapHarness.StartAsync(mode);
        using var client = await harness.ConnectAsync();

        Assert.True(client.IsSecure);
        Assert.True(client.IsAuthenticated);
        foreach (var capability in new[] { ImapCapabilities.Idle, ImapCapabilities.UidPlus, ImapCapabilities.Move, ImapCapabilities.Namespace,
                     ImapCapabilities.SpecialUse, ImapCapabilities.LiteralPlus, ImapCapabilities.Enable, ImapCapabilities.Id, ImapCapabilities.Unselect })
        {
            Assert.True(client.Capabilities.HasFlag(capability), capability.ToString());
        }

        var id = await client.IdentifyAsync(new ImapImplementation { Name = "test" });
        Assert.Equal("OpenMSS", id.Name);
        Assert.Single(client.PersonalNamespaces);
        Assert.Equal('/', client.PersonalNamespaces[0].DirectorySeparator);
        await client.DisconnectAsync(true);
        Assert.Contains(harness.Audit.Events, e => e.Action == "login" && e.Result == "ok" && e.Actor == "810000000001");
    }

    [Fact]
    public async Task Tokens_are_accepted_with_oauthbearer_and_xoauth2_and_bad_passwords_refused()
    {
        await using var harness = await ImapHarness.StartAsync();

        using (var client = await harness.ConnectAsync(login: false))
        {
            await client.AuthenticateAsync(new SaslMechanismOAuthBearer(ImapHarness.User, ImapHarness.Token));
            Assert.True(client.IsAuthenticated);
        }

        using (var client = await harness.ConnectAsync(login: false))
        {
            await client.AuthenticateAsync(new SaslMechanismOAuth2(ImapHarness.User, ImapHarness.Token));
            Assert.True(client.IsAuthenticated);
        }

        using (var client = await harness.ConnectAsync(login: false))
        {
            await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(new SaslMechanismOAuthBearer(ImapHarness.User, "forged")));
            await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(ImapHarness.User, "wrong"));
            Assert.False(client.IsAuthenticated);
            await client.AuthenticateAsync(ImapHarness.User, ImapHarness.Password);
        }

        Assert.Contains(harness.Audit.Events, e => e.Action == "login" && e.Result == "failed" && e.Actor == ImapHarness.User);
        Assert.DoesNotContain(harness.Audit.Events, e => (e.Detail ?? string.Empty).Contains("wrong", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Folders_are_listed_with_special_use_and_managed()
    {
        await using var harness = await ImapHarness.StartAsync();
        using var client = await harness.ConnectAsync();

        Assert.Equal("INBOX", client.Inbox.FullName);
        Assert.Equal("Sent", client.GetFolder(SpecialFolder.Sent).FullName);
        Assert.Equal("Drafts", client.GetFolder(SpecialFolder.Drafts).FullName);
        Assert.Equal("Trash", client.GetFolder(SpecialFolder.Trash).FullName);
        Assert.Equal("Archive", client.GetFolder(SpecialFolder.Archive).FullName);

        var root = client.GetFolder(client.PersonalNamespaces[0]);
        var patients = await root.CreateAsync("Patients résultats", true);
        var year = await patients.CreateAsync("2025", true);
        Assert.Equal("Patients résultats/2025", year.FullName);
        var names = (await root.GetSubfoldersAsync()).Select(f => f.FullName).ToList();
        Assert.Contains("Patients résultats", names);

        await patients.RenameAsync(root, "Dossiers");
        var all = (await client.GetFoldersAsync(client.PersonalNamespaces[0])).Select(f => f.FullName).ToList();
        Assert.Contains("Dossiers", all);
        Assert.Contains("Dossiers/2025", all);
        Assert.DoesNotContain("Patients résultats", all);

        var dossiers2025 = await client.GetFolderAsync("Dossiers/2025");
        await dossiers2025.DeleteAsync();
        all = (await client.GetFoldersAsync(client.PersonalNamespaces[0])).Select(f => f.FullName).ToList();
        Assert.DoesNotContain("Dossiers/2025", all);
        await Assert.ThrowsAsync<ImapCommandException>(() => client.GetFolder(SpecialFolder.Trash).DeleteAsync());

        // Subscriptions: every folder is subscribed.
        await (await client.GetFolderAsync("Dossiers")).SubscribeAsync();
        var subscribed = await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.None, true);
        Assert.Contains(subscribed, f => f.FullName == "Dossiers");
    }

    [Fact]
    public async Task Select_fetch_and_status_show_the_messages()
    {
        await using var harness = await ImapHarness.StartAsync();
        await harness.DeliverAsync("Résultats d'analyse", "Glycémie normale.");
        await harness.DeliverAsync("Second", "Deuxième message.");
        using var client = await harness.ConnectAsync();

        var status = client.GetFolder(SpecialFolder.Sent);
        await client.Inbox.StatusAsync(StatusItems.Count | StatusItems.Unread | StatusItems.UidNext | StatusItems.UidValidity);
        Assert.Equal(2, client.Inbox.Count);
        Assert.Equal(2, client.Inbox.Unread);
        Assert.Equal(3u, client.Inbox.UidNext!.Value.Id);

        var access = await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(FolderAccess.ReadWrite, access);
        Assert.Equal(2, client.Inbox.Count);
        var inbox = (await harness.Store.FindFolderAsync(harness.Mailbox.Id, "INBOX"))!;
        Assert.Equal((uint)inbox.UidValidity, client.Inbox.UidValidity);

        var summaries = await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope | MessageSummaryItems.Flags
            | MessageSummaryItems.InternalDate | MessageSummaryItems.Size | MessageSummaryItems.BodyStructure);
        Assert.Equal(2, summaries.Count);
        Assert.Equal(1u, summaries[0].UniqueId.Id);
        Assert.Equal("Résultats d'analyse", summaries[0].Envelope.Subject);
        Assert.Equal("labo@medecin.mssante.fr", summaries[0].Envelope.From.Mailboxes.Single().Address);
        Assert.Equal("Laboratoire", summaries[0].Envelope.From.Mailboxes.Single().Name);
        Assert.Equal(ImapHarness.Address, summaries[0].Envelope.To.Mailboxes.Single().Address);
        Assert.Equal(MessageFlags.None, summaries[0].Flags);
        Assert.True(summaries[0].Size > 100);
        Assert.Equal("text/plain", summaries[0].Body.ContentType.MimeType);
        Assert.Equal(new DateTimeOffset(2025, 11, 25, 9, 0, 0, TimeSpan.Zero), summaries[0].Envelope.Date);

        // MailKit reads with BODY.PEEK: \Seen stays as it was (the raw protocol tests check BODY[] sets it); the read is audited.
        var headers = await client.Inbox.GetHeadersAsync(new UniqueId(1));
        Assert.Equal("Résultats d'analyse", headers[HeaderId.Subject]);
        Assert.Equal(MessageFlags.None, (await client.Inbox.FetchAsync([new UniqueId(1)], MessageSummaryItems.Flags))[0].Flags);
        var message = await client.Inbox.GetMessageAsync(new UniqueId(1));
        Assert.Equal("Glycémie normale.", message.TextBody.Trim());
        Assert.Equal(MessageFlags.None, (await client.Inbox.FetchAsync([new UniqueId(1)], MessageSummaryItems.Flags))[0].Flags);
        Assert.Contains(harness.Audit.Events, e => e.Action == "read" && e.Detail!.Contains("uids=1", StringComparison.Ordinal));
        Assert.Contains(harness.Audit.Events, e => e.Action == "open");

        // Body part and partial fetches.
        var part = (TextPart)await client.Inbox.GetBodyPartAsync(new UniqueId(2), summaries[1].Body);
        Assert.Equal("Deuxième message.", part.Text.Trim());
        using var partial = await client.Inbox.GetStreamAsync(new UniqueId(2), 0, 4);
        Assert.Equal("Date", new StreamReader(partial).ReadToEnd());

        await client.Inbox.StatusAsync(StatusItems.Unread);
        await status.StatusAsync(StatusItems.Count);
        Assert.Equal(0, status.Count);
    }

    [Fact]
    public async Task Store_flags_and_keywords_then_search()
    {
        await using var harness = await ImapHarness.StartAsync();
        await harness.DeliverAsync("Ordonnance", "Amoxicilline 1g.");
        await harness.DeliverAsync("Compte rendu", "Radiographie thoracique normale.", "radiologie@medecin.mssante.fr");
        await harness.DeliverAsync("Rappel", "Vaccin grippe.");
        using var client = await harness.ConnectAsync();
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);

        await client.Inbox.AddFlagsAsync(new UniqueId(1), MessageFlags.Flagged | MessageFlags.Seen, true);
        await client.Inbox.AddFlagsAsync([new UniqueId(2)], MessageFlags.None, new HashSet<string> { "$Urgent" }, true);
        await client.Inbox.SetFlagsAsync(2, MessageFlags.Answered, true);
        await client.Inbox.RemoveFlagsAsync(new UniqueId(1), MessageFlags.Seen, true);

        var flags = await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.Flags | MessageSummaryItems.UniqueId);
        Assert.Equal(MessageFlags.Flagged, flags[0].Flags);
        Assert.Contains("$Urgent", flags[1].Keywords);
        Assert.Equal(MessageFlags.Answered, flags[2].Flags);

        Assert.Equal([1u], (await client.Inbox.SearchAsync(SearchQuery.Flagged)).Select(u => u.Id));
        Assert.Equal([2u], (await client.Inbox.SearchAsync(SearchQuery.HasKeyword("$Urgent"))).Select(u => u.Id));
        Assert.Equal([2u], (await client.Inbox.SearchAsync(SearchQuery.FromContains("radiologie"))).Select(u => u.Id));
        Assert.Equal([1u], (await client.Inbox.SearchAsync(SearchQuery.SubjectContains("ordonnance"))).Select(u => u.Id));
        Assert.Equal([3u], (await client.Inbox.SearchAsync(SearchQuery.BodyContains("grippe"))).Select(u => u.Id));
        Assert.Equal([2u], (await client.Inbox.SearchAsync(SearchQuery.BodyContains("thoracique").And(SearchQuery.NotFlagged))).Select(u => u.Id));
        Assert.Equal([1u, 3u], (await client.Inbox.SearchAsync(SearchQuery.Not(SearchQuery.HasKeyword("$Urgent")))).Select(u => u.Id));
        Assert.Equal([1u, 2u], (await client.Inbox.SearchAsync(SearchQuery.Flagged.Or(SearchQuery.Not(SearchQuery.Answered)).And(SearchQuery.Uids([new UniqueId(1), new UniqueId(2)])))).Select(u => u.Id));
        Assert.Equal(3, (await client.Inbox.SearchAsync(SearchQuery.DeliveredAfter(DateTime.UtcNow.AddDays(-2)))).Count);
        Assert.Empty(await client.Inbox.SearchAsync(SearchQuery.SentBefore(new DateTime(2020, 1, 1))));
        Assert.Equal(3, (await client.Inbox.SearchAsync(SearchQuery.SentOn(new DateTime(2025, 11, 25)))).Count);
        Assert.Equal(3, (await client.Inbox.SearchAsync(SearchQuery.HeaderContains("Message-ID", "medecin.mssante.fr"))).Count);
        Assert.Equal([1u], (await client.Inbox.SearchAsync(SearchQuery.All.And(SearchQuery.BodyContains("amoxicilline")))).Select(u => u.Id));
        Assert.Equal(3, (await client.Inbox.SearchAsync(SearchQuery.LargerThan(10))).Count);
        Assert.Contains(harness.Audit.Events, e => e.Action == "store");
    }

    [Fact]
    public async Task Append_copy_move_and_expunge_report_uids()
    {
        await using var harness = await ImapHarness.StartAsync();
        await harness.DeliverAsync("Un", "1");
        await harness.DeliverAsync("Deux", "2");
        await harness.DeliverAsync("Trois", "3");
        using var client = await harness.ConnectAsync();
        var archive = client.GetFolder(SpecialFolder.Archive);
        var drafts = client.GetFolder(SpecialFolder.Drafts);

        var draft = MimeMessage.Load(new MemoryStream(Messages.Create("Brouillon", "à finir")));
        var appended = await drafts.AppendAsync(new AppendRequest(draft, MessageFlags.Draft | MessageFlags.Seen));
        Assert.Equal(1u, appended!.Value.Id);

        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var copied = await client.Inbox.CopyToAsync([new UniqueId(1), new UniqueId(2)], archive);
        Assert.Equal([1u, 2u], copied.Keys.Select(k => k.Id));
        Assert.Equal([1u, 2u], copied.Values.Select(k => k.Id));

        var moved = await client.Inbox.MoveToAsync(new UniqueId(3), archive);
        Assert.Equal(3u, moved!.Value.Id);
        Assert.Equal(2, client.Inbox.Count);

        await client.Inbox.AddFlagsAsync([new UniqueId(1), new UniqueId(2)], MessageFlags.Deleted, true);
        await client.Inbox.ExpungeAsync([new UniqueId(2)]);
        Assert.Equal(1, client.Inbox.Count);
        await client.Inbox.ExpungeAsync();
        Assert.Equal(0, client.Inbox.Count);

        await archive.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(3, archive.Count);
        var subjects = (await archive.FetchAsync(0, -1, MessageSummaryItems.Envelope)).Select(s => s.Envelope.Subject).ToList();
        Assert.Equal(["Un", "Deux", "Trois"], subjects);
        await drafts.OpenAsync(FolderAccess.ReadOnly);
        var draftFlags = await drafts.FetchAsync(0, -1, MessageSummaryItems.Flags);
        Assert.Equal(MessageFlags.Draft | MessageFlags.Seen, draftFlags[0].Flags);

        // CLOSE on a read-write folder expunges silently; UNSELECT does not.
        await archive.OpenAsync(FolderAccess.ReadWrite);
        await archive.AddFlagsAsync(0, MessageFlags.Deleted, true);
        await archive.CloseAsync(expunge: false);
        await archive.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(3, archive.Count);
        await archive.CloseAsync(expunge: true);
        await archive.StatusAsync(StatusItems.Count);
        Assert.Equal(2, archive.Count);
        Assert.Contains(harness.Audit.Events, e => e.Action == "move");
        Assert.Contains(harness.Audit.Events, e => e.Action == "expunge");
    }

    [Fact]
    public async Task Two_connections_see_each_others_changes()
    {
        await using var harness = await ImapHarness.StartAsync();
        await harness.DeliverAsync("Un", "1");
        await harness.DeliverAsync("Deux", "2");
        using var first = await harness.ConnectAsync();
        using var second = await harness.ConnectAsync();
        await first.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await second.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var flagsSeen = new List<MessageFlags?>();
        second.Inbox.MessageFlagsChanged += (_, e) => flagsSeen.Add(e.Flags);
        var expunged = new List<int>();
        second.Inbox.MessageExpunged += (_, e) => expunged.Add(e.Index);

        await first.Inbox.AddFlagsAsync(new UniqueId(2), MessageFlags.Flagged, true);
        await first.Inbox.AddFlagsAsync(new UniqueId(1), MessageFlags.Deleted, true);
        await first.Inbox.ExpungeAsync();
        await harness.DeliverAsync("Trois", "3");
        await second.NoOpAsync();

        Assert.Contains((MessageFlags?)MessageFlags.Flagged, flagsSeen);
        Assert.Equal([0], expunged);
        Assert.Equal(2, second.Inbox.Count);
        var uids = await second.Inbox.SearchAsync(SearchQuery.All);
        Assert.Equal([2u, 3u], uids.Select(u => u.Id));
    }

    [Fact]
    public async Task Idle_pushes_new_mail_appended_by_another_session_without_polling()
    {
        // No polling to speak of: only the store's change signal can wake the idler in time.
        await using var harness = await ImapHarness.StartAsync(configure: o => o.IdlePollInterval = TimeSpan.FromHours(1));
        using var other = await harness.ConnectAsync();

        // Appended through another IMAP connection (before or after the server enters IDLE: a
        // change that comes first is reported when IDLE starts).
        await IdleUntilOneMessageArrivesAsync(harness, () =>
            other.Inbox.AppendAsync(new AppendRequest(MimeMessage.Load(new MemoryStream(Messages.Create("Nouveau", "x"))))));
    }

    [Fact]
    public async Task Idle_polls_for_mail_written_without_a_change_signal()
    {
        await using var harness = await ImapHarness.StartAsync(configure: o => o.IdlePollInterval = TimeSpan.FromMilliseconds(200));

        // Delivered by SMTP (a store write without signal here): only the poll can pick it up.
        await IdleUntilOneMessageArrivesAsync(harness, () => harness.DeliverAsync("Livré", "y"));
    }

    /// <summary>An idling client on an empty INBOX sees the message that <paramref name="arrive"/> adds.</summary>
    private static async Task IdleUntilOneMessageArrivesAsync(ImapHarness harness, Func<Task> arrive)
    {
        using var idler = await harness.ConnectAsync();
        await idler.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var arrived = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        idler.Inbox.CountChanged += (_, _) => arrived.TrySetResult(idler.Inbox.Count);
        using var done = new CancellationTokenSource();
        var idle = idler.IdleAsync(done.Token);

        await arrive();
        Assert.Equal(1, await arrived.Task.WaitAsync(Eventually.DefaultDeadline));

        await done.CancelAsync();
        await idle;
        Assert.Single(await idler.Inbox.SearchAsync(SearchQuery.All));
    }

    [Fact]
    public async Task Uids_and_uidvalidity_survive_a_restart()
    {
        await using var harness = await ImapHarness.StartAsync();
        await harness.DeliverAsync("Un", "1");
        await harness.DeliverAsync("Deux", "2");
        uint validity;
        using (var client = await harness.ConnectAsync())
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
            validity = client.Inbox.UidValidity;
            await client.Inbox.AddFlagsAsync(new UniqueId(1), MessageFlags.Deleted, true);
            await client.Inbox.ExpungeAsync();
        }

        await harness.Server.StopAsync();
        await harness.TestStore.ReopenAsync();
        await using var restarted = new ImapServer(
            new ImapServerOptions { Endpoint = new(System.Net.IPAddress.Loopback, 0), TlsMode = ImapTlsMode.Implicit, ServerCertificate = Testing.TestPki.Medecin.Certificate, AllowPasswordAuthentication = true },
            harness.TestStore.Store, harness.TestStore.Store, harness.TestStore.Store, harness.Authenticator);
        await restarted.StartAsync();
        using var again = ImapHarness.NewClient();
        await again.ConnectAsync(restarted.LocalEndPoint.Address.ToString(), restarted.LocalEndPoint.Port, SecureSocketOptions.SslOnConnect);
        await again.AuthenticateAsync(ImapHarness.User, ImapHarness.Password);
        await again.Inbox.OpenAsync(FolderAccess.ReadOnly);

        Assert.Equal(validity, again.Inbox.UidValidity);
        Assert.Equal([2u], (await again.Inbox.SearchAsync(SearchQuery.All)).Select(u => u.Id));
        Assert.Equal(3u, again.Inbox.UidNext!.Value.Id);
    }

    [Fact]
    public async Task A_withdrawn_authorization_closes_the_session_on_the_next_open()
    {
        await using var harness = await ImapHarness.StartAsync();
        using var client = await harness.ConnectAsync();
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);

        harness.Authenticator.Revoked.Add("810000000001");

        await Assert.ThrowsAnyAsync<Exception>(() => client.GetFolder(SpecialFolder.Sent).OpenAsync(FolderAccess.ReadOnly));
        Assert.Contains(harness.Audit.Events, e => e.Action == "open" && e.Result == "refused");
    }

    [Fact]
    public async Task Large_messages_are_appended_and_read_back_intact()
    {
        await using var harness = await ImapHarness.StartAsync();
        using var client = await harness.ConnectAsync();
        var body = new StringBuilder();
        for (var i = 0; i < 40_000; i++)
        {
            body.Append("Ligne ").Append(i).Append(" du dossier médical\r\n");
        }

        var raw = Messages.Create("Gros", body.ToString());
        var uid = await client.Inbox.AppendAsync(new AppendRequest(MimeMessage.Load(new MemoryStream(raw))));
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        using var stream = await client.Inbox.GetStreamAsync(uid!.Value, string.Empty);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        Assert.True(copy.Length > 1_000_000);
        Assert.Equal(await harness.Store.ReadMessageAsync(await harness.InboxIdAsync(), uid.Value.Id), copy.ToArray());
    }

    [Fact]
    public async Task Multipart_structure_attachments_and_utf8_search()
    {
        await using var harness = await ImapHarness.StartAsync();
        var builder = new BodyBuilder { TextBody = "Veuillez trouver le compte rendu.\n" };
        var pdf = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        builder.Attachments.Add("compte-rendu.pdf", pdf, new ContentType("application", "pdf"));
        var message = new MimeMessage { Subject = "Résultats d'échographie", Body = builder.ToMessageBody() };
        message.From.Add(new MailboxAddress("Cabinet d'échographie", "echo@medecin.mssante.fr"));
        message.To.Add(MailboxAddress.Parse(ImapHarness.Address));
        using var client = await harness.ConnectAsync();
        await client.Inbox.AppendAsync(new AppendRequest(message));
        await harness.DeliverAsync("Autre", "rien");
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);

        var summary = (await client.Inbox.FetchAsync([new UniqueId(1)], MessageSummaryItems.BodyStructure | MessageSummaryItems.Envelope))[0];
        var attachment = summary.Attachments.Single();
        Assert.Equal("compte-rendu.pdf", attachment.FileName);
        Assert.Equal("application/pdf", attachment.ContentType.MimeType);
        Assert.Equal("Résultats d'échographie", summary.Envelope.Subject);
        Assert.Equal("Cabinet d'échographie", summary.Envelope.From.Mailboxes.Single().Name);
        var part = (MimePart)await client.Inbox.GetBodyPartAsync(new UniqueId(1), attachment);
        using var decoded = new MemoryStream();
        await part.Content.DecodeToAsync(decoded);
        Assert.Equal(pdf, decoded.ToArray());
        Assert.Equal("Veuillez trouver le compte rendu.", ((TextPart)await client.Inbox.GetBodyPartAsync(new UniqueId(1), summary.TextBody)).Text.Trim());

        Assert.Equal([1u], (await client.Inbox.SearchAsync(SearchQuery.SubjectContains("échographie"))).Select(u => u.Id));
        Assert.Equal([1u], (await client.Inbox.SearchAsync(SearchQuery.BodyContains("COMPTE RENDU"))).Select(u => u.Id));
        Assert.Equal([2u], (await client.Inbox.SearchAsync(SearchQuery.Not(SearchQuery.FromContains("échographie")))).Select(u => u.Id));
    }

    [Fact]
    public async Task Fetch_and_search_page_through_a_folder_larger_than_one_page()
    {
        await using var harness = await ImapHarness.StartAsync();
        var inbox = await harness.InboxIdAsync();
        await Task.WhenAll(Enumerable.Range(0, 1200).Select(i =>
            harness.Store.AppendAsync(inbox, Messages.Create($"Message {i:D4}", $"Corps {i}"), OpenMss.Storage.MessageFlags.None, DateTimeOffset.UtcNow)));
        using var client = await harness.ConnectAsync();
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);

        var all = await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope | MessageSummaryItems.Flags);
        var found = await client.Inbox.SearchAsync(SearchQuery.SubjectContains("Message 1150"));

        Assert.Equal(1200, all.Count);
        Assert.Equal(Enumerable.Range(1, 1200).Select(i => (uint)i), all.Select(m => m.UniqueId.Id));
        Assert.Equal(1200, all.Select(m => m.Envelope.Subject).Distinct().Count());
        Assert.Single(found);
        Assert.Equal(1200, (await client.Inbox.SearchAsync(SearchQuery.All)).Count);
    }

    [Fact]
    public async Task A_member_reaches_an_organisational_mailbox_with_an_authorization_identity()
    {
        await using var harness = await ImapHarness.StartAsync();
        await harness.Store.CreateMailboxAsync(new OpenMss.Storage.NewMailbox(TestAuthenticator.OrgAddress, OpenMss.Core.MailboxKind.Organisational, "Pharmacie", "10B0123456"));
        var org = (await harness.Store.FindMailboxAsync(TestAuthenticator.OrgAddress))!;
        var orgInbox = (await harness.Store.FindFolderAsync(org.Id, "INBOX"))!;
        await harness.Store.AppendAsync(orgInbox.Id, Messages.Create("Pour la pharmacie", "ordonnance", to: TestAuthenticator.OrgAddress), OpenMss.Storage.MessageFlags.None, DateTimeOffset.UtcNow);
        using var client = await harness.ConnectAsync(login: false);

        await client.AuthenticateAsync(new SaslMechanismPlain(new System.Net.NetworkCredential(ImapHarness.User, ImapHarness.Password)) { AuthorizationId = TestAuthenticator.OrgAddress });
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var summaries = await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope);

        Assert.Equal("Pour la pharmacie", summaries.Single().Envelope.Subject);
        Assert.Contains(harness.Audit.Events, e => e.Action == "open" && e.Mailbox == TestAuthenticator.OrgAddress && e.Actor == "810000000001");
    }
}
