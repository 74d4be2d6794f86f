using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using OpenMss.Imap.Protocol;
using OpenMss.Storage;

namespace OpenMss.Imap.Server;

/// <summary>Folder commands: SELECT/EXAMINE, LIST/LSUB, STATUS, CREATE/DELETE/RENAME, APPEND, IDLE, EXPUNGE, CLOSE.</summary>
internal sealed partial class ImapSession
{
    private const string Delimiter = "/";

    private string MailboxName(ImapNode node)
    {
        if (!node.IsAString)
        {
            throw new CommandSyntaxException("Expected a mailbox name");
        }

        if (!ModifiedUtf7.TryDecode(node.Text, out var name))
        {
            throw new CommandSyntaxException("Invalid mailbox name encoding");
        }

        name = name.TrimEnd('/');
        return name.Equals(StandardFolders.Inbox, StringComparison.OrdinalIgnoreCase) ? StandardFolders.Inbox : name;
    }

    /// <summary>The store's change notifier, or null for a store without one (a wrapper).</summary>
    private FolderChangeNotifier? Notifier
    {
        get
        {
            try
            {
                return folders.FolderChanges;
            }
            catch (NotSupportedException)
            {
                return null;
            }
        }
    }

    private DateTimeOffset lastAuthorizationCheck;

    /// <summary>Checks the principal's access again when the last check is older than the recheck interval.</summary>
    private async Task RecheckAuthorizationAsync(CancellationToken ct)
    {
        if (principal is not null && time.GetUtcNow() - lastAuthorizationCheck >= options.AuthorizationRecheckInterval)
        {
            await EnsureAuthorizedAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task<bool> EnsureAuthorizedAsync(CancellationToken ct)
    {
        if (await authenticator.IsStillAuthorizedAsync(principal!, ct).ConfigureAwait(false))
        {
            lastAuthorizationCheck = time.GetUtcNow();
            return true;
        }

        await AuditAsync("open", "refused", null, ct).ConfigureAwait(false);
        throw new SessionClosedException(ImapReplies.AccessWithdrawn);
    }

    private async Task SelectAsync(ImapCommand c, CancellationToken ct)
    {
        if (c.Arguments.Count != 1)
        {
            throw new CommandSyntaxException(c.Name + " needs a mailbox name");
        }

        var name = MailboxName(c.Arguments[0]);
        selected?.Dispose();
        selected = null;
        state = ImapState.Authenticated;
        await EnsureAuthorizedAsync(ct).ConfigureAwait(false);
        var folder = await folders.FindFolderAsync(mailbox!.Id, name, ct).ConfigureAwait(false);
        if (folder is null)
        {
            await No(c, ImapReplies.NoSuchMailbox).ConfigureAwait(false);
            return;
        }

        var readOnly = c.Name == "EXAMINE";
        selected = new SelectedFolder(folder, readOnly, Notifier);
        selected.HighestModSeq = (await folders.GetFolderStateAsync(folder.Id, ct).ConfigureAwait(false))?.HighestModSeq ?? 0;
        // The database gives the runs of UIDs: no row per message is held, even for a moment.
        selected.Messages = SequenceMap.From(await folders.ListUidRunsAsync(folder.Id, ct).ConfigureAwait(false));
        var firstUnseen = await folders.FindFirstUnseenUidAsync(folder.Id, ct).ConfigureAwait(false);

        var status = await folders.GetFolderStatusAsync(folder.Id, ct).ConfigureAwait(false);
        state = ImapState.Selected;
        await AuditAsync("open", "ok", $"folder={folder.Id}", ct).ConfigureAwait(false);
        output.Line(@"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)");
        output.Line($"* {selected.Messages.Count} EXISTS");
        output.Line("* 0 RECENT");
        // A message that arrived between the two reads has no number yet: reported by the next EXISTS.
        if (firstUnseen is long unseen && selected.Messages.SequenceOf(unseen) is > 0 and var unseenSequence)
        {
            output.Line($"* OK [UNSEEN {unseenSequence}] First unseen");
        }

        output.Line(readOnly ? "* OK [PERMANENTFLAGS ()] Read-only" : @"* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft \*)] Flags permitted");
        output.Line($"* OK [UIDVALIDITY {folder.UidValidity}] UIDs valid");
        output.Line($"* OK [UIDNEXT {status?.UidNext ?? folder.UidNext}] Predicted next UID");
        await Ok(c, (readOnly ? "[READ-ONLY] " : "[READ-WRITE] ") + c.Name + " completed").ConfigureAwait(false);
    }

    /// <summary>
    /// Reports what changed in the selected folder since the client was last told: EXPUNGE, EXISTS,
    /// FETCH FLAGS. The folder row says whether anything changed at all; then only the messages
    /// changed since the last mod-sequence are read (each one re-flagged by another session is
    /// reported, no per-message flags are kept to compare with), and the full UID list only when
    /// the count shows that messages went away.
    /// </summary>
    private async Task SyncAsync(CancellationToken ct, bool silent = false)
    {
        var folder = selected!;

        // Read before the messages: a change racing with the reads bumps it again and is seen next time.
        var state = await folders.GetFolderStateAsync(folder.Folder.Id, ct).ConfigureAwait(false)
            ?? throw new SessionClosedException("The selected mailbox was deleted");
        if (state.HighestModSeq == folder.HighestModSeq)
        {
            return;
        }

        var changed = await folders.ListChangedSinceAsync(folder.Folder.Id, folder.HighestModSeq, ct).ConfigureAwait(false);
        folder.HighestModSeq = state.HighestModSeq;
        var map = folder.Messages;
        var last = map.Last;
        IEnumerable<long> arrived = changed.Where(m => m.Uid > last).Select(m => m.Uid);
        if (map.Count + arrived.Count() != state.MessageCount)
        {
            var present = SequenceMap.From(await folders.ListUidRunsAsync(folder.Folder.Id, ct).ConfigureAwait(false));
            var gone = map.All().Where(m => present.SequenceOf(m.Uid) == 0).Select(m => m.Sequence).ToList();

            // Highest first: each EXPUNGE's number is then the one the client still has (RFC 3501 §7.4.1).
            for (var i = gone.Count - 1; i >= 0 && !silent; i--)
            {
                output.Line($"* {gone[i]} EXPUNGE");
            }

            if (gone.Count > 0)
            {
                map = folder.Messages = SequenceMap.From(map.All().Where(m => present.SequenceOf(m.Uid) > 0).Select(m => m.Uid));
            }

            arrived = present.Between(last + 1, long.MaxValue).Select(m => m.Uid);
        }

        foreach (var message in changed)
        {
            var sequence = message.Uid <= last ? map.SequenceOf(message.Uid) : 0;
            if (sequence == 0)
            {
                continue;
            }

            // What this session reported itself (its STORE, its FETCH setting \Seen) is not repeated.
            if (folder.ToldFlags.TryGetValue(message.Uid, out var told) && told.Flags == message.Flags && told.Keywords.SequenceEqual(message.Keywords))
            {
                continue;
            }

            if (!silent)
            {
                output.Line($"* {sequence} FETCH (UID {message.Uid} FLAGS ({ImapResponseWriter.FormatFlags(message.Flags, message.Keywords)}))");
            }
        }

        folder.ToldFlags.Clear();
        var added = false;
        foreach (var uid in arrived)
        {
            map.Append(uid);
            added = true;
        }

        if (added && !silent)
        {
            output.Line($"* {map.Count} EXISTS");
        }
    }

    private async Task CreateAsync(ImapCommand c, CancellationToken ct)
    {
        var name = SingleName(c);
        if (name.Length == 0 || name.Length > 200 || name.Contains("//", StringComparison.Ordinal))
        {
            await No(c, ImapReplies.InvalidName).ConfigureAwait(false);
            return;
        }

        var created = await folders.CreateFolderAsync(mailbox!.Id, name, ct).ConfigureAwait(false);
        await AuditAsync("create", created is null ? "failed" : "ok", created is null ? null : $"folder={created.Id}", ct).ConfigureAwait(false);
        await (created is null ? No(c, ImapReplies.AlreadyExists) : Ok(c, "CREATE completed")).ConfigureAwait(false);
    }

    private async Task DeleteAsync(ImapCommand c, CancellationToken ct)
    {
        var name = SingleName(c);
        var folder = await folders.FindFolderAsync(mailbox!.Id, name, ct).ConfigureAwait(false);
        if (folder is null)
        {
            await No(c, ImapReplies.NoSuchMailbox).ConfigureAwait(false);
            return;
        }

        if (folder.SpecialUse is not null || folder.Name == StandardFolders.Inbox || selected?.Folder.Id == folder.Id)
        {
            await No(c, ImapReplies.CannotDelete).ConfigureAwait(false);
            return;
        }

        var deleted = await folders.DeleteFolderAsync(mailbox.Id, name, ct).ConfigureAwait(false);
        await AuditAsync("delete", deleted ? "ok" : "failed", $"folder={folder.Id}", ct).ConfigureAwait(false);
        await (deleted ? Ok(c, "DELETE completed") : No(c, ImapReplies.NoSuchMailbox)).ConfigureAwait(false);
    }

    private async Task RenameAsync(ImapCommand c, CancellationToken ct)
    {
        if (c.Arguments.Count != 2)
        {
            throw new CommandSyntaxException("RENAME needs two mailbox names");
        }

        var from = MailboxName(c.Arguments[0]);
        var to = MailboxName(c.Arguments[1]);
        var folder = await folders.FindFolderAsync(mailbox!.Id, from, ct).ConfigureAwait(false);
        if (folder is null || folder.SpecialUse is not null || to.Length == 0)
        {
            await No(c, folder is null ? ImapReplies.NoSuchMailbox : ImapReplies.CannotRename).ConfigureAwait(false);
            return;
        }

        var renamed = await folders.RenameFolderAsync(mailbox.Id, from, to, ct).ConfigureAwait(false);
        await AuditAsync("rename", renamed ? "ok" : "failed", $"folder={folder.Id}", ct).ConfigureAwait(false);
        await (renamed ? Ok(c, "RENAME completed") : No(c, ImapReplies.RenameTargetExists)).ConfigureAwait(false);
    }

    private async Task SubscribeAsync(ImapCommand c, CancellationToken ct)
    {
        // Folders are subscribed by default; SUBSCRIBE needs an existing folder, UNSUBSCRIBE does not.
        var name = SingleName(c);
        var subscribe = c.Name == "SUBSCRIBE";
        if (subscribe && await folders.FindFolderAsync(mailbox!.Id, name, ct).ConfigureAwait(false) is null)
        {
            await No(c, ImapReplies.NoSuchMailbox).ConfigureAwait(false);
            return;
        }

        await folders.SetSubscriptionAsync(mailbox!.Id, name, subscribe, ct).ConfigureAwait(false);
        await Ok(c, c.Name + " completed").ConfigureAwait(false);
    }

    private string SingleName(ImapCommand c) =>
        c.Arguments.Count == 1 ? MailboxName(c.Arguments[0]) : throw new CommandSyntaxException(c.Name + " needs a mailbox name");

    private async Task ListAsync(ImapCommand c, CancellationToken ct)
    {
        // RFC 5258/6154 forms are accepted too: LIST (SPECIAL-USE) "" "*" and LIST "" "*" RETURN (SPECIAL-USE).
        var args = c.Arguments;
        var position = 0;
        var specialOnly = false;
        if (c.Name == "LIST" && args.Count > 0 && args[0].Kind == ImapNodeKind.List)
        {
            specialOnly = args[0].Children.Any(o => o.Text.Equals("SPECIAL-USE", StringComparison.OrdinalIgnoreCase));
            position = 1;
        }

        if (args.Count < position + 2 || !args[position].IsAString || !args[position + 1].IsAString)
        {
            throw new CommandSyntaxException(c.Name + " needs a reference and a pattern");
        }

        if (args.Count > position + 2
            && !(args.Count == position + 4 && args[position + 2].Text.Equals("RETURN", StringComparison.OrdinalIgnoreCase) && args[position + 3].Kind == ImapNodeKind.List))
        {
            throw new CommandSyntaxException("Invalid " + c.Name + " arguments");
        }

        var reference = args[position].Text;
        var pattern = args[position + 1].Text;
        if (pattern.Length == 0)
        {
            output.Line($"* {c.Name} (\\Noselect) \"{Delimiter}\" \"\"");
            await Ok(c, c.Name + " completed").ConfigureAwait(false);
            return;
        }

        if (!ModifiedUtf7.TryDecode(reference + pattern, out var decoded))
        {
            throw new CommandSyntaxException("Invalid mailbox name encoding");
        }

        var regex = new Regex(
            "^" + Regex.Escape(decoded).Replace(@"\*", ".*", StringComparison.Ordinal).Replace("%", "[^/]*", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        var listed = await folders.ListFoldersAsync(mailbox!.Id, ct).ConfigureAwait(false);
        var names = listed.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var subscribed = c.Name == "LSUB"
            ? (await folders.ListSubscriptionsAsync(mailbox.Id, ct).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal)
            : null;
        foreach (var folder in listed)
        {
            if (subscribed is not null && !subscribed.Contains(folder.Name))
            {
                continue;
            }

            // INBOX is case-insensitive (RFC 3501 §5.1): "inbox" lists it too.
            var matches = regex.IsMatch(folder.Name)
                || (folder.Name == StandardFolders.Inbox && decoded.Equals(StandardFolders.Inbox, StringComparison.OrdinalIgnoreCase));
            if (!matches || (specialOnly && folder.SpecialUse is null))
            {
                continue;
            }

            var attributes = new List<string>();
            attributes.Add(names.Any(n => n.StartsWith(folder.Name + Delimiter, StringComparison.Ordinal)) ? @"\HasChildren" : @"\HasNoChildren");
            if (folder.SpecialUse is not null)
            {
                attributes.Add(folder.SpecialUse);
            }

            output.Raw($"* {c.Name} ({string.Join(' ', attributes)}) \"{Delimiter}\" ").String(ModifiedUtf7.Encode(folder.Name)).EndLine();
        }

        await Ok(c, c.Name + " completed").ConfigureAwait(false);
    }

    private async Task StatusAsync(ImapCommand c, CancellationToken ct)
    {
        if (c.Arguments.Count != 2 || c.Arguments[1].Kind != ImapNodeKind.List)
        {
            throw new CommandSyntaxException("STATUS needs a mailbox name and a list of items");
        }

        var name = MailboxName(c.Arguments[0]);
        await EnsureAuthorizedAsync(ct).ConfigureAwait(false);
        var folder = await folders.FindFolderAsync(mailbox!.Id, name, ct).ConfigureAwait(false);
        var status = folder is null ? null : await folders.GetFolderStatusAsync(folder.Id, ct).ConfigureAwait(false);
        if (status is null)
        {
            await No(c, ImapReplies.NoSuchMailbox).ConfigureAwait(false);
            return;
        }

        var items = new List<string>();
        foreach (var item in c.Arguments[1].Children)
        {
            var key = item.Text.ToUpperInvariant();
            long value = key switch
            {
                "MESSAGES" => status.Messages,
                "RECENT" => 0,
                "UIDNEXT" => status.UidNext,
                "UIDVALIDITY" => status.UidValidity,
                "UNSEEN" => status.Unseen,
                _ => throw new CommandSyntaxException("Unknown STATUS item"),
            };
            items.Add(key + " " + value.ToString(CultureInfo.InvariantCulture));
        }

        output.Raw("* STATUS ").String(ModifiedUtf7.Encode(folder!.Name)).Raw(" (" + string.Join(' ', items) + ")").EndLine();
        await Ok(c, "STATUS completed").ConfigureAwait(false);
    }

    private async Task AppendAsync(ImapCommand c, CancellationToken ct)
    {
        if (c.Arguments.Count is < 2 or > 4 || c.Arguments[^1].Kind != ImapNodeKind.Literal)
        {
            throw new CommandSyntaxException("APPEND needs a mailbox name and a message literal");
        }

        var name = MailboxName(c.Arguments[0]);
        var flags = MessageFlags.None;
        var date = time.GetUtcNow();
        for (var i = 1; i < c.Arguments.Count - 1; i++)
        {
            var argument = c.Arguments[i];
            if (argument.Kind == ImapNodeKind.List)
            {
                (flags, _) = ParseFlags(argument.Children);
            }
            else if (argument.Kind == ImapNodeKind.QuotedString)
            {
                date = ParseDateTime(argument.Text);
            }
            else
            {
                throw new CommandSyntaxException("Invalid APPEND argument");
            }
        }

        var raw = c.Arguments[^1].Bytes!;
        if (raw.Length == 0)
        {
            throw new CommandSyntaxException("Empty message");
        }

        await EnsureAuthorizedAsync(ct).ConfigureAwait(false);
        var folder = await folders.FindFolderAsync(mailbox!.Id, name, ct).ConfigureAwait(false);
        if (folder is null)
        {
            await No(c, ImapReplies.TryCreate).ConfigureAwait(false);
            return;
        }

        var stored = await messages.AppendAsync(folder.Id, raw, flags & ~MessageFlags.Recent, date, ct).ConfigureAwait(false);

        await AuditAsync("append", "ok", $"folder={folder.Id} uid={stored.Uid}", ct).ConfigureAwait(false);
        if (selected is not null && selected.Folder.Id == folder.Id)
        {
            await SyncAsync(ct).ConfigureAwait(false);
        }

        await Ok(c, $"[APPENDUID {folder.UidValidity} {stored.Uid}] APPEND completed").ConfigureAwait(false);
    }

    private static DateTimeOffset ParseDateTime(string text)
    {
        // RFC 3501 date-time: "dd-Mon-yyyy hh:mm:ss +zzzz" (day may be space-padded).
        var trimmed = text.Trim();
        if (DateTimeOffset.TryParseExact(trimmed, ["d-MMM-yyyy HH:mm:ss zzz", "dd-MMM-yyyy HH:mm:ss zzz"], CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var value))
        {
            return value;
        }

        if (trimmed.Length > 5 && DateTimeOffset.TryParseExact(trimmed[..^5] + trimmed[^5..^2] + ":" + trimmed[^2..], ["d-MMM-yyyy HH:mm:ss zzz"], CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out value))
        {
            return value;
        }

        throw new CommandSyntaxException("Invalid date-time");
    }

    private async Task IdleAsync(ImapCommand c, CancellationToken ct)
    {
        output.Line("+ idling");
        if (selected is not null)
        {
            await SyncAsync(ct).ConfigureAwait(false);
        }

        await FlushAsync(ct).ConfigureAwait(false);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var done = ReadLineAsync(idle.Token);
        try
        {
            while (!done.IsCompleted)
            {
                if (selected is null)
                {
                    await Task.WhenAny(done, Task.Delay(Timeout.Infinite, idle.Token)).ConfigureAwait(false);
                    continue;
                }

                // With changes pushed from every node, the re-read only has to catch a lost
                // notification and re-check a shared mailbox's membership.
                var poll = Notifier?.CrossProcess == true
                    ? TimeSpan.FromTicks(Math.Max(options.IdlePollInterval.Ticks, options.AuthorizationRecheckInterval.Ticks))
                    : options.IdlePollInterval;
                var changed = selected.WaitForChangeAsync(poll, idle.Token);
                await Task.WhenAny(done, changed).ConfigureAwait(false);
                if (!done.IsCompleted)
                {
                    await RecheckAuthorizationAsync(ct).ConfigureAwait(false);
                    await SyncAsync(ct).ConfigureAwait(false);
                    await FlushAsync(ct).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await idle.CancelAsync().ConfigureAwait(false);
        }

        var line = await done.ConfigureAwait(false) ?? throw new IOException("Connection closed during IDLE");
        if (!Encoding.ASCII.GetString(line.Bytes).Equals("DONE", StringComparison.OrdinalIgnoreCase))
        {
            throw new CommandSyntaxException("Expected DONE");
        }

        await Ok(c, "IDLE terminated").ConfigureAwait(false);
    }

    private async Task CloseAsync(ImapCommand c, CancellationToken ct)
    {
        if (!selected!.ReadOnly)
        {
            var expunged = await folders.ExpungeAsync(selected.Folder.Id, null, ct).ConfigureAwait(false);
            if (expunged.Count > 0)
            {
                await AuditAsync("expunge", "ok", $"folder={selected.Folder.Id} uids={SequenceSet.Compact(expunged)}", ct).ConfigureAwait(false);
            }
        }

        await UnselectAsync(c).ConfigureAwait(false);
    }

    private Task UnselectAsync(ImapCommand c)
    {
        selected?.Dispose();
        selected = null;
        state = ImapState.Authenticated;
        return Ok(c, c.Name + " completed");
    }

    private async Task ExpungeAsync(ImapCommand c, CancellationToken ct)
    {
        IReadOnlyList<long>? uids = null;
        if (c.Uid)
        {
            if (c.Arguments.Count != 1)
            {
                throw new CommandSyntaxException("UID EXPUNGE needs a UID set");
            }

            uids = ResolveSet(c.Arguments[0], uid: true).Select(m => m.Uid).ToArray();
        }
        else if (c.Arguments.Count != 0)
        {
            throw new CommandSyntaxException("EXPUNGE takes no argument");
        }

        if (selected!.ReadOnly)
        {
            await No(c, ImapReplies.ReadOnly).ConfigureAwait(false);
            return;
        }

        var expunged = await folders.ExpungeAsync(selected.Folder.Id, uids, ct).ConfigureAwait(false);
        if (expunged.Count > 0)
        {
            await AuditAsync("expunge", "ok", $"folder={selected.Folder.Id} uids={SequenceSet.Compact(expunged)}", ct).ConfigureAwait(false);
        }

        await SyncAsync(ct).ConfigureAwait(false);
        await Ok(c, "EXPUNGE completed").ConfigureAwait(false);
    }
}
