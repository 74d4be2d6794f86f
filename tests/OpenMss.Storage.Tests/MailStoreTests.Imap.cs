namespace OpenMss.Storage.Tests;

/// <summary>The IMAP operations (STORE, EXPUNGE, COPY/MOVE, folder management, STATUS) on every backend.</summary>
public abstract partial class MailStoreTests
{
    [Fact]
    public async Task Flags_and_keywords_are_set_added_and_removed_with_a_new_modseq()
    {
        await using var test = await NewStoreAsync();
        var store = test.Store;
        await CreateMailboxAsync(store, "dr.martin@medecin.mssante.fr");
        var inbox = await InboxIdAsync(store, "dr.martin@medecin.mssante.fr");
        var a = await store.AppendAsync(inbox, TestMessages.Create(), MessageFlags.None, DateTimeOffset.UtcNow);
        var b = await store.AppendAsync(inbox, TestMessages.Create(), MessageFlags.Seen, DateTimeOffset.UtcNow);
        var changes = 0;
        using var subscription = store.FolderChanges.Subscribe(inbox, () => Interlocked.Increment(ref changes));

        var added = await store.StoreFlagsAsync(inbox, [a.Uid, b.Uid, 999], FlagOperation.Add, MessageFlags.Flagged, ["$Urgent"]);
        var removed = await store.StoreFlagsAsync(inbox, [b.Uid], FlagOperation.Remove, MessageFlags.Seen, ["$urgent"]);
        var replaced = await store.StoreFlagsAsync(inbox, [a.Uid], FlagOperation.Replace, MessageFlags.Answered, []);

        Assert.Equal([a.Uid, b.Uid], added.Select(s => s.Uid));
        Assert.Equal(MessageFlags.Flagged, added[0].Flags);
        Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged, added[1].Flags);
        Assert.Equal(["$Urgent"], added[0].Keywords);
        Assert.Equal(MessageFlags.Flagged, removed[0].Flags);
        Assert.Empty(removed[0].Keywords);
        Assert.True(removed[0].ModSeq > added[1].ModSeq);
        Assert.Equal(MessageFlags.Answered, replaced[0].Flags);
        var listed = await store.ListMessageFlagsAsync(inbox);
        Assert.Equal([MessageFlags.Answered, MessageFlags.Flagged], listed.Select(s => s.Flags));
        Assert.Equal(3, changes);
        var summaries = await store.ListMessagesAsync(inbox);
        Assert.Equal(MessageFlags.Answered, summaries[0].Flags);
    }

    [Fact]
    public async Task A_uid_range_its_runs_and_the_first_unseen_follow_the_expunges()
    {
        await using var test = await NewStoreAsync();
        var store = test.Store;
        await CreateMailboxAsync(store, "dr.martin@medecin.mssante.fr");
        var inbox = await InboxIdAsync(store, "dr.martin@medecin.mssante.fr");
        for (var i = 0; i < 5; i++)
        {
            await store.AppendAsync(inbox, TestMessages.Create(), i % 2 == 0 ? MessageFlags.Seen : MessageFlags.None, DateTimeOffset.UtcNow);
        }

        await store.StoreFlagsAsync(inbox, [3], FlagOperation.Add, MessageFlags.Deleted, []);
        await store.ExpungeAsync(inbox);

        var range = await store.ListMessageFlagsAsync(inbox, 2, 4);

        Assert.Equal([2L, 4L], range.Select(s => s.Uid));
        Assert.Equal([MessageFlags.None, MessageFlags.None], range.Select(s => s.Flags));
        Assert.Equal([5L], (await store.ListMessageFlagsAsync(inbox, 5, 9)).Select(s => s.Uid));
        Assert.Empty(await store.ListMessageFlagsAsync(inbox, 6, 9));

        // UIDs 1, 2, 4, 5 remain: two runs; UID 2 is the first without \Seen.
        Assert.Equal([new UidRun(1, 2), new UidRun(4, 2)], await store.ListUidRunsAsync(inbox));
        Assert.Equal(2, await store.FindFirstUnseenUidAsync(inbox));
        await store.StoreFlagsAsync(inbox, [2, 4], FlagOperation.Add, MessageFlags.Seen, []);
        Assert.Null(await store.FindFirstUnseenUidAsync(inbox));
        await store.StoreFlagsAsync(inbox, [1, 2, 4, 5], FlagOperation.Add, MessageFlags.Deleted, []);
        await store.ExpungeAsync(inbox);
        Assert.Empty(await store.ListUidRunsAsync(inbox));
    }

    [Fact]
    public async Task Expunge_removes_only_deleted_messages_and_frees_their_bytes()
    {
        await using var test = await NewStoreAsync();
        var store = test.Store;
        await CreateMailboxAsync(store, "dr.martin@medecin.mssante.fr");
        var inbox = await InboxIdAsync(store, "dr.martin@medecin.mssante.fr");
        var uids = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            uids.Add((await store.AppendAsync(inbox, TestMessages.Create(), i == 3 ? MessageFlags.None : MessageFlags.Deleted, DateTimeOffset.UtcNow)).Uid);
        }

        var partial = await store.ExpungeAsync(inbox, [uids[0], uids[3]]);
        var rest = await store.ExpungeAsync(inbox);

        Assert.Equal([uids[0]], partial);
        Assert.Equal([uids[1], uids[2]], rest);
        Assert.Null(await store.ReadMessageAsync(inbox, uids[1]));
        Assert.NotNull(await store.ReadMessageAsync(inbox, uids[3]));
        var folder = (await store.ListFoldersAsync((await store.FindMailboxAsync("dr.martin@medecin.mssante.fr"))!.Id)).Single(f => f.Id == inbox);
        Assert.Equal(1, folder.MessageCount);
        Assert.Equal(5, folder.UidNext);
        var status = await store.GetFolderStatusAsync(inbox);
        Assert.Equal(1, status!.Messages);
        Assert.Equal(1, status.Unseen);
    }

    [Fact]
    public async Task Copy_shares_the_bytes_and_move_removes_the_source()
    {
        await using var test = await NewStoreAsync();
        var store = test.Store;
        var mailbox = await CreateMailboxAsync(store, "dr.martin@medecin.mssante.fr");
        var inbox = await InboxIdAsync(store, mailbox.Address);
        var archive = (await store.FindFolderAsync(mailbox.Id, "Archive"))!;
        var raw = TestMessages.Create(marker: "copie");
        var a = await store.AppendAsync(inbox, raw, MessageFlags.Seen, DateTimeOffset.UtcNow);
        var b = await store.AppendAsync(inbox, TestMessages.Create(), MessageFlags.None, DateTimeOffset.UtcNow);

        var copy = await store.CopyMessagesAsync(inbox, [a.Uid, 42], archive.Id, move: false);
        var move = await store.CopyMessagesAsync(inbox, [b.Uid], archive.Id, move: true);

        Assert.Equal(archive.UidValidity, copy.TargetUidValidity);
        Assert.Equal([a.Uid], copy.SourceUids);
        Assert.Equal([1L], copy.TargetUids);
        Assert.Equal([2L], move.TargetUids);
        Assert.Equal(raw, await store.ReadMessageAsync(archive.Id, 1));
        Assert.Null(await store.ReadMessageAsync(inbox, b.Uid));
        Assert.Equal(MessageFlags.Seen, (await store.ListMessageFlagsAsync(archive.Id))[0].Flags);

        // Deleting the original keeps the copy readable: the shared bytes are reference-counted.
        await store.StoreFlagsAsync(inbox, [a.Uid], FlagOperation.Add, MessageFlags.Deleted, []);
        await store.ExpungeAsync(inbox);
        Assert.Equal(raw, await store.ReadMessageAsync(archive.Id, 1));
        Assert.Equal(0, (await store.GetFolderStatusAsync(inbox))!.Messages);
        Assert.Equal(2, (await store.GetFolderStatusAsync(archive.Id))!.Messages);
        Assert.Equal(2, (await store.FindFolderAsync(mailbox.Id, "Archive"))!.MessageCount);

        var other = await CreateMailboxAsync(store, "autre@medecin.mssante.fr");
        var otherInbox = await InboxIdAsync(store, other.Address);
        await Assert.ThrowsAsync<FolderNotFoundException>(() => store.CopyMessagesAsync(archive.Id, [1], otherInbox, move: false));
    }

    [Fact]
    public async Task User_folders_are_created_renamed_with_children_and_deleted()
    {
        await using var test = await NewStoreAsync();
        var store = test.Store;
        var mailbox = await CreateMailboxAsync(store, "dr.martin@medecin.mssante.fr");

        var created = await store.CreateFolderAsync(mailbox.Id, "Patients");
        var child = await store.CreateFolderAsync(mailbox.Id, "Patients/2025");
        Assert.Null(await store.CreateFolderAsync(mailbox.Id, "Patients"));
        Assert.Null(await store.CreateFolderAsync(mailbox.Id, "inbox"));
        await store.AppendAsync(child!.Id, TestMessages.Create(), MessageFlags.None, DateTimeOffset.UtcNow);

        Assert.True(await store.RenameFolderAsync(mailbox.Id, "Patients", "Dossiers"));
        Assert.False(await store.RenameFolderAsync(mailbox.Id, "Dossiers", "Sent"));
        Assert.False(await store.RenameFolderAsync(mailbox.Id, "Absent", "Autre"));
        var names = (await store.ListFoldersAsync(mailbox.Id)).Select(f => f.Name).ToArray();
        Assert.Contains("Dossiers", names);
        Assert.Contains("Dossiers/2025", names);
        Assert.DoesNotContain("Patients", names);
        Assert.Equal(created!.Id, (await store.FindFolderAsync(mailbox.Id, "Dossiers"))!.Id);

        Assert.True(await store.DeleteFolderAsync(mailbox.Id, "Dossiers/2025"));
        Assert.False(await store.DeleteFolderAsync(mailbox.Id, "INBOX"));
        Assert.False(await store.DeleteFolderAsync(mailbox.Id, "Dossiers/2025"));
        Assert.Null(await store.FindFolderAsync(mailbox.Id, "Dossiers/2025"));
    }

    [Fact]
    public async Task The_highest_modseq_grows_with_every_change_to_a_folder()
    {
        await using var test = await NewStoreAsync();
        var store = test.Store;
        var mailbox = await CreateMailboxAsync(store, "dr.martin@medecin.mssante.fr");
        var inbox = await InboxIdAsync(store, mailbox.Address);
        var archive = (await store.FindFolderAsync(mailbox.Id, "Archive"))!.Id;
        var seen = new List<long> { (await store.GetHighestModSeqAsync(inbox))!.Value };

        await store.DeliverAsync(TestMessages.Inbound(TestMessages.Create(), mailbox.Address));
        seen.Add((await store.GetHighestModSeqAsync(inbox))!.Value);
        await store.StoreFlagsAsync(inbox, [1], FlagOperation.Add, MessageFlags.Deleted, []);
        seen.Add((await store.GetHighestModSeqAsync(inbox))!.Value);
        await store.StoreFlagsAsync(inbox, [1], FlagOperation.Add, MessageFlags.Deleted, []);
        var unchanged = (await store.GetHighestModSeqAsync(inbox))!.Value;
        await store.CopyMessagesAsync(inbox, [1], archive, move: true);
        seen.Add((await store.GetHighestModSeqAsync(inbox))!.Value);

        Assert.Equal(seen.Order(), seen);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(seen[2], unchanged);
        Assert.True(await store.GetHighestModSeqAsync(archive) > 0);
        Assert.Null(await store.GetHighestModSeqAsync(999_999));
    }

    [Fact]
    public async Task Folder_state_and_changes_since_a_modseq_tell_what_a_session_missed()
    {
        await using var test = await NewStoreAsync();
        var store = test.Store;
        var mailbox = await CreateMailboxAsync(store, "dr.martin@medecin.mssante.fr");
        var inbox = await InboxIdAsync(store, mailbox.Address);
        await store.AppendAsync(inbox, TestMessages.Create(), MessageFlags.None, DateTimeOffset.UtcNow);
        await store.AppendAsync(inbox, TestMessages.Create(), MessageFlags.None, DateTimeOffset.UtcNow);
        var before = (await store.GetFolderStateAsync(inbox))!;

        await store.StoreFlagsAsync(inbox, [2], FlagOperation.Add, MessageFlags.Seen, []);
        await store.AppendAsync(inbox, TestMessages.Create(), MessageFlags.None, DateTimeOffset.UtcNow);
        var changed = await store.ListChangedSinceAsync(inbox, before.HighestModSeq);
        var after = (await store.GetFolderStateAsync(inbox))!;

        Assert.Equal(2, before.MessageCount);
        Assert.Equal(3, before.UidNext);
        Assert.Equal([2L, 3L], changed.Select(c => c.Uid));
        Assert.Equal(MessageFlags.Seen, changed[0].Flags);
        Assert.Equal(3, after.MessageCount);
        Assert.True(after.HighestModSeq > before.HighestModSeq);
        Assert.Equal(before.UidValidity, after.UidValidity);
        Assert.Empty(await store.ListChangedSinceAsync(inbox, after.HighestModSeq));
        Assert.Null(await store.GetFolderStateAsync(999_999));
    }
}
