using System.Text;
using MimeKit;
using OpenMss.Imap.Protocol;
using OpenMss.Storage;

namespace OpenMss.Imap.Server;

/// <summary>Message commands of the selected state: FETCH, STORE, SEARCH, COPY, MOVE (and their UID forms).</summary>
internal sealed partial class ImapSession
{
    private const int SummaryPage = 1000;

    private readonly record struct Target(int Sequence, long Uid);

    /// <summary>The messages a sequence set designates, in ascending order (<c>*</c> is the last message).</summary>
    private List<Target> ResolveSet(ImapNode node, bool uid)
    {
        if (node.Kind != ImapNodeKind.Atom || !SequenceSet.TryParse(node.Text, out var set))
        {
            throw new CommandSyntaxException("Invalid sequence set");
        }

        var map = selected!.Messages;
        var result = new List<Target>();
        if (uid)
        {
            var largest = map.Last;
            foreach (var (sequence, messageUid) in map.All())
            {
                if (set!.Contains(messageUid, largest))
                {
                    result.Add(new Target(sequence, messageUid));
                }
            }

            return result;
        }

        foreach (var (start, end) in set!.Ranges)
        {
            if ((start != long.MaxValue && start > map.Count) || (end != long.MaxValue && end > map.Count) || map.Count == 0)
            {
                throw new CommandSyntaxException("Invalid message sequence number");
            }
        }

        foreach (var (sequence, messageUid) in map.All())
        {
            if (set.Contains(sequence, map.Count))
            {
                result.Add(new Target(sequence, messageUid));
            }
        }

        return result;
    }

    private static (MessageFlags Flags, List<string> Keywords) ParseFlags(IReadOnlyList<ImapNode> nodes)
    {
        var flags = MessageFlags.None;
        var keywords = new List<string>();
        foreach (var node in nodes)
        {
            if (node.Kind != ImapNodeKind.Atom)
            {
                throw new CommandSyntaxException("Invalid flag");
            }

            switch (node.Text.ToUpperInvariant())
            {
                case @"\SEEN": flags |= MessageFlags.Seen; break;
                case @"\ANSWERED": flags |= MessageFlags.Answered; break;
                case @"\FLAGGED": flags |= MessageFlags.Flagged; break;
                case @"\DELETED": flags |= MessageFlags.Deleted; break;
                case @"\DRAFT": flags |= MessageFlags.Draft; break;
                case @"\RECENT": break;
                default:
                    var keyword = node.Text;
                    if (keyword.StartsWith('\\') || keyword.Length > 100 || keyword.Any(ch => ch is '*' or '%' or ']' or '\\'))
                    {
                        throw new CommandSyntaxException("Invalid flag");
                    }

                    keywords.Add(keyword);
                    break;
            }
        }

        return (flags, keywords);
    }

    // ---- FETCH -------------------------------------------------------------------------

    private async Task FetchAsync(ImapCommand c, CancellationToken ct)
    {
        if (c.Arguments.Count != 2)
        {
            throw new CommandSyntaxException("FETCH needs a sequence set and data items");
        }

        var targets = ResolveSet(c.Arguments[0], c.Uid);
        if (!FetchRequest.TryParse(c.Arguments[1], out var items, out var error))
        {
            throw new CommandSyntaxException(error);
        }

        if (c.Uid && !items.Any(i => i.Kind == FetchItemKind.Uid))
        {
            items = [new FetchItem(FetchItemKind.Uid), .. items];
        }

        var folder = selected!;
        var needsSummary = items.Any(i => i.Kind is FetchItemKind.Envelope or FetchItemKind.InternalDate or FetchItemKind.Rfc822Size);
        var needsRaw = items.Any(i => i.Kind is FetchItemKind.Section or FetchItemKind.Body or FetchItemKind.BodyStructure
            or FetchItemKind.Rfc822 or FetchItemKind.Rfc822Header or FetchItemKind.Rfc822Text);
        var setsSeen = !folder.ReadOnly && items.Any(i => i.Kind is FetchItemKind.Rfc822 or FetchItemKind.Rfc822Text || (i.Kind == FetchItemKind.Section && !i.Section!.Peek));
        var needsFlags = !needsSummary && (setsSeen || items.Any(i => i.Kind == FetchItemKind.Flags));
        var readsBody = items.Any(i => i.Kind is FetchItemKind.Rfc822 or FetchItemKind.Rfc822Text or FetchItemKind.Section);
        var read = new List<long>();

        // Body sections are read a few hundred messages per query, streamed one message at a time,
        // when the targets come in UID order (what clients send: 1:*, ranges); otherwise one query
        // per message.
        var ascending = targets.Zip(targets.Skip(1)).All(p => p.First.Uid < p.Second.Uid);
        var contents = needsRaw && ascending
            ? messages.ReadMessagesAsync(folder.Folder.Id, [.. targets.Select(t => t.Uid)], ct).GetAsyncEnumerator(ct)
            : null;
        StoredMessageContent? pending = null;
        var contentsDone = false;
        try
        {
            // Summaries are decrypted a page at a time: FETCH 1:* on a large folder keeps memory flat.
            foreach (var page in targets.Chunk(SummaryPage))
            {
                var summaries = needsSummary ? await LoadSummariesAsync(page, ct).ConfigureAwait(false) : null;
                var pageFlags = needsFlags ? await LoadFlagsAsync(page, ct).ConfigureAwait(false) : null;
                foreach (var target in page)
                {
                    MessageSummary? summary = null;
                    if (summaries is not null && !summaries.TryGetValue(target.Uid, out summary))
                    {
                        continue;
                    }

                    var current = summary is not null
                        ? new MessageFlagState(summary.Uid, summary.Flags, summary.Keywords, 0)
                        : pageFlags?.GetValueOrDefault(target.Uid);

                    byte[]? raw = null;
                    if (contents is not null)
                    {
                        while (!contentsDone && (pending is null || pending.Uid < target.Uid))
                        {
                            if (await contents.MoveNextAsync().ConfigureAwait(false))
                            {
                                pending = contents.Current;
                            }
                            else
                            {
                                contentsDone = true;
                                pending = null;
                            }
                        }

                        if (pending is null || pending.Uid != target.Uid)
                        {
                            continue;
                        }

                        raw = pending.Raw;
                        pending = null;
                    }
                    else if (needsRaw)
                    {
                        raw = await messages.ReadMessageAsync(folder.Folder.Id, target.Uid, ct).ConfigureAwait(false);
                        if (raw is null)
                        {
                            continue;
                        }
                    }

                    var flagsChanged = false;
                    if (setsSeen && current is not null && (current.Flags & MessageFlags.Seen) == 0)
                    {
                        var updated = await folders.StoreFlagsAsync(folder.Folder.Id, [target.Uid], FlagOperation.Add, MessageFlags.Seen, [], ct).ConfigureAwait(false);
                        if (updated.Count == 1)
                        {
                            current = folder.ToldFlags[target.Uid] = updated[0];
                            flagsChanged = true;
                        }
                    }

                    if (readsBody)
                    {
                        read.Add(target.Uid);
                    }

                    WriteFetch(target, items, summary, current, raw, flagsChanged);
                    if (output.Length > 256 * 1024)
                    {
                        await FlushAsync(ct).ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            if (contents is not null)
            {
                await contents.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (read.Count > 0)
        {
            await AuditAsync("read", "ok", $"folder={folder.Folder.Id} uids={SequenceSet.Compact(read)}", ct).ConfigureAwait(false);
        }

        if (c.Uid)
        {
            await SyncAsync(ct).ConfigureAwait(false);
        }

        await Ok(c, c.Uid ? "UID FETCH completed" : "FETCH completed").ConfigureAwait(false);
    }

    private async Task<Dictionary<long, MessageSummary>> LoadSummariesAsync(IReadOnlyList<Target> targets, CancellationToken ct)
    {
        var result = new Dictionary<long, MessageSummary>();
        if (targets.Count == 0)
        {
            return result;
        }

        var wanted = targets.Select(t => t.Uid).ToHashSet();
        var folder = selected!;
        var from = targets[0].Uid;
        var last = targets[^1].Uid;
        while (from <= last)
        {
            var span = folder.SequenceOf(last) - folder.SequenceOf(from) + 1;
            var page = await messages.ListMessagesAsync(folder.Folder.Id, from, Math.Clamp(span, 1, SummaryPage), ct).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var summary in page)
            {
                if (wanted.Contains(summary.Uid))
                {
                    result[summary.Uid] = summary;
                }
            }

            from = page[^1].Uid + 1;
        }

        return result;
    }

    /// <summary>
    /// The flags of the messages of <paramref name="targets"/> (a page), read from the store in one
    /// query over their UID range: the session keeps no flags of its own.
    /// </summary>
    private async Task<Dictionary<long, MessageFlagState>> LoadFlagsAsync(IReadOnlyList<Target> targets, CancellationToken ct)
    {
        var result = new Dictionary<long, MessageFlagState>(targets.Count);
        if (targets.Count == 0)
        {
            return result;
        }

        var from = targets.Min(t => t.Uid);
        var to = targets.Max(t => t.Uid);
        var wanted = targets.Count == to - from + 1 ? null : targets.Select(t => t.Uid).ToHashSet();
        foreach (var state in await folders.ListMessageFlagsAsync(selected!.Folder.Id, from, to, ct).ConfigureAwait(false))
        {
            if (wanted is null || wanted.Contains(state.Uid))
            {
                result[state.Uid] = state;
            }
        }

        return result;
    }

    private void WriteFetch(Target target, IReadOnlyList<FetchItem> items, MessageSummary? summary, MessageFlagState? flags, byte[]? raw, bool flagsChanged)
    {
        MimeMessage? parsed = null;
        MimeMessage Parse()
        {
            if (parsed is null)
            {
                using var memory = new MemoryStream(raw!, writable: false);
                parsed = MimeMessage.Load(memory);
            }

            return parsed;
        }

        output.Raw($"* {target.Sequence} FETCH (");
        var first = true;
        void Next(string name)
        {
            if (!first)
            {
                output.Space();
            }

            first = false;
            output.Raw(name);
        }

        var flagsWritten = false;
        foreach (var item in items)
        {
            switch (item.Kind)
            {
                case FetchItemKind.Uid:
                    Next("UID ");
                    output.Number(target.Uid);
                    break;
                case FetchItemKind.Flags:
                    Next("FLAGS ");
                    WriteFlags(flags);
                    flagsWritten = true;
                    break;
                case FetchItemKind.InternalDate:
                    Next("INTERNALDATE ");
                    output.DateTime(summary!.InternalDate);
                    break;
                case FetchItemKind.Rfc822Size:
                    Next("RFC822.SIZE ");
                    output.Number(summary!.Size);
                    break;
                case FetchItemKind.Envelope:
                    Next("ENVELOPE ");
                    output.Envelope(summary!.Envelope);
                    break;
                case FetchItemKind.BodyStructure or FetchItemKind.Body:
                    Next(item.Kind == FetchItemKind.Body ? "BODY " : "BODYSTRUCTURE ");
                    output.BodyStructure(Parse().Body ?? new TextPart("plain"), item.Kind == FetchItemKind.BodyStructure);
                    break;
                case FetchItemKind.Rfc822:
                    Next("RFC822 ");
                    output.Literal(raw);
                    break;
                case FetchItemKind.Rfc822Header:
                    Next("RFC822.HEADER ");
                    output.Literal(raw.AsSpan(0, MessageSections.BodyOffset(raw)));
                    break;
                case FetchItemKind.Rfc822Text:
                    Next("RFC822.TEXT ");
                    output.Literal(raw.AsSpan(MessageSections.BodyOffset(raw)));
                    break;
                case FetchItemKind.Section:
                    Next(item.Section!.ResponseLabel + " ");
                    output.Literal(MessageSections.Extract(raw!, item.Section, Parse));
                    break;
            }
        }

        if (flagsChanged && !flagsWritten)
        {
            Next("FLAGS ");
            WriteFlags(flags);
        }

        output.Raw(")").EndLine();
    }

    /// <summary>The flags of a message; none for one expunged by another session and not yet reported.</summary>
    private void WriteFlags(MessageFlagState? state)
    {
        if (state is not null)
        {
            output.Flags(state.Flags, state.Keywords);
        }
        else
        {
            output.Raw("()");
        }
    }

    // ---- STORE -------------------------------------------------------------------------

    private async Task StoreAsync(ImapCommand c, CancellationToken ct)
    {
        if (c.Arguments.Count < 3 || c.Arguments[1].Kind != ImapNodeKind.Atom)
        {
            throw new CommandSyntaxException("STORE needs a sequence set, an item and flags");
        }

        var targets = ResolveSet(c.Arguments[0], c.Uid);
        var item = c.Arguments[1].Text.ToUpperInvariant();
        var silent = item.EndsWith(".SILENT", StringComparison.Ordinal);
        var operation = item switch
        {
            "FLAGS" or "FLAGS.SILENT" => FlagOperation.Replace,
            "+FLAGS" or "+FLAGS.SILENT" => FlagOperation.Add,
            "-FLAGS" or "-FLAGS.SILENT" => FlagOperation.Remove,
            _ => throw new CommandSyntaxException("Unknown STORE item"),
        };
        var flagNodes = c.Arguments.Count == 3 && c.Arguments[2].Kind == ImapNodeKind.List ? c.Arguments[2].Children : c.Arguments.Skip(2).ToArray();
        var (flags, keywords) = ParseFlags(flagNodes);
        var folder = selected!;
        if (folder.ReadOnly)
        {
            await No(c, ImapReplies.ReadOnly).ConfigureAwait(false);
            return;
        }

        var updated = await folders.StoreFlagsAsync(folder.Folder.Id, targets.Select(t => t.Uid).ToArray(), operation, flags, keywords, ct).ConfigureAwait(false);
        await AuditAsync("store", "ok", $"folder={folder.Folder.Id} uids={SequenceSet.Compact(updated.Select(u => u.Uid))}", ct).ConfigureAwait(false);
        foreach (var state in updated)
        {
            folder.ToldFlags[state.Uid] = state;
            if (!silent)
            {
                output.Raw($"* {folder.SequenceOf(state.Uid)} FETCH (");
                if (c.Uid)
                {
                    output.Raw($"UID {state.Uid} ");
                }

                output.Raw("FLAGS ").Flags(state.Flags, state.Keywords).Raw(")").EndLine();
            }
        }

        if (c.Uid)
        {
            await SyncAsync(ct).ConfigureAwait(false);
        }

        await Ok(c, c.Uid ? "UID STORE completed" : "STORE completed").ConfigureAwait(false);
    }

    // ---- COPY / MOVE -------------------------------------------------------------------

    private async Task CopyAsync(ImapCommand c, bool move, CancellationToken ct)
    {
        if (c.Arguments.Count != 2)
        {
            throw new CommandSyntaxException(c.Name + " needs a sequence set and a mailbox name");
        }

        var targets = ResolveSet(c.Arguments[0], c.Uid);
        var name = MailboxName(c.Arguments[1]);
        var folder = selected!;
        if (move && folder.ReadOnly)
        {
            await No(c, ImapReplies.ReadOnly).ConfigureAwait(false);
            return;
        }

        var destination = await folders.FindFolderAsync(mailbox!.Id, name, ct).ConfigureAwait(false);
        if (destination is null)
        {
            await No(c, ImapReplies.TryCreate).ConfigureAwait(false);
            return;
        }

        if (targets.Count == 0)
        {
            await Ok(c, c.Name + " completed").ConfigureAwait(false);
            return;
        }

        var result = await folders.CopyMessagesAsync(folder.Folder.Id, targets.Select(t => t.Uid).ToArray(), destination.Id, move, ct).ConfigureAwait(false);
        await AuditAsync(move ? "move" : "copy", "ok", $"folder={folder.Folder.Id} uids={SequenceSet.Compact(result.SourceUids)} to={destination.Id}", ct).ConfigureAwait(false);
        var code = result.SourceUids.Count == 0
            ? string.Empty
            : $"[COPYUID {result.TargetUidValidity} {string.Join(',', result.SourceUids)} {string.Join(',', result.TargetUids)}] ";
        if (move)
        {
            if (code.Length > 0)
            {
                output.Line("* OK " + code.TrimEnd() + " Moved");
            }

            await SyncAsync(ct).ConfigureAwait(false);
            await Ok(c, c.Name + " completed").ConfigureAwait(false);
            return;
        }

        if (destination.Id == folder.Folder.Id || c.Uid)
        {
            await SyncAsync(ct).ConfigureAwait(false);
        }

        await Ok(c, code + c.Name + " completed").ConfigureAwait(false);
    }

    // ---- SEARCH ------------------------------------------------------------------------

    private async Task SearchAsync(ImapCommand c, CancellationToken ct)
    {
        if (!SearchQuery.TryParse(c.Arguments, out var query, out var error, out var badCharset))
        {
            if (badCharset)
            {
                await No(c, ImapReplies.BadCharset).ConfigureAwait(false);
                return;
            }

            throw new CommandSyntaxException(error);
        }

        var folder = selected!;
        var all = folder.Messages.All().Select(m => new Target(m.Sequence, m.Uid)).ToList();
        var matches = await EvaluateSearchAsync(query!, all, ct).ConfigureAwait(false);
        if (!c.Uid)
        {
            for (var i = 0; i < matches.Count; i++)
            {
                matches[i] = folder.SequenceOf(matches[i]);
            }
        }

        var line = new StringBuilder("* SEARCH");
        foreach (var match in matches)
        {
            line.Append(' ').Append(match);
        }

        output.Line(line.ToString());
        if (c.Uid)
        {
            await SyncAsync(ct).ConfigureAwait(false);
        }

        await Ok(c, c.Uid ? "UID SEARCH completed" : "SEARCH completed").ConfigureAwait(false);
    }

    /// <summary>
    /// The UIDs (ascending) of <paramref name="targets"/> matching <paramref name="query"/>: first
    /// without decrypting anything (flags, envelopes, and the store's search filters for BODY/TEXT),
    /// then only the undecided messages are read, a chunk per query, and verified in parallel.
    /// </summary>
    private async Task<List<long>> EvaluateSearchAsync(SearchKey query, List<Target> targets, CancellationToken ct)
    {
        var folder = selected!;
        var texts = SearchEvaluator.TextStrings(query);
        var filtered = new Dictionary<string, IReadOnlySet<long>?>(StringComparer.Ordinal);
        if (texts.Count > 0 && targets.Count > 0)
        {
            var sets = await messages.FindTextCandidatesAsync(folder.Folder.Id, texts, ct).ConfigureAwait(false);
            for (var i = 0; i < texts.Count; i++)
            {
                filtered[texts[i]] = sets[i];
            }
        }

        var evaluator = new SearchEvaluator(folder.Messages.Count, folder.Messages.Last, filtered);
        var needsSummary = SearchEvaluator.NeedsSummary(query);
        var matches = new List<long>();
        var undecided = new List<SearchCandidate>();
        foreach (var page in targets.Chunk(SummaryPage))
        {
            var summaries = needsSummary ? await LoadSummariesAsync(page, ct).ConfigureAwait(false) : null;
            var pageFlags = needsSummary ? null : await LoadFlagsAsync(page, ct).ConfigureAwait(false);
            foreach (var target in page)
            {
                MessageSummary? summary = null;
                MessageFlagState? flags = null;
                if (summaries is not null ? !summaries.TryGetValue(target.Uid, out summary) : !pageFlags!.TryGetValue(target.Uid, out flags))
                {
                    continue;
                }

                flags ??= new MessageFlagState(summary!.Uid, summary.Flags, summary.Keywords, 0);

                var candidate = new SearchCandidate(target.Sequence, target.Uid, summary, flags);
                switch (evaluator.Evaluate(query, candidate))
                {
                    case SearchTruth.True:
                        matches.Add(target.Uid);
                        break;
                    case SearchTruth.Unknown:
                        undecided.Add(candidate);
                        break;
                }
            }
        }

        if (undecided.Count > 0)
        {
            matches.AddRange(await VerifyAsync(evaluator, query, undecided, ct).ConfigureAwait(false));
            matches.Sort();
        }

        return matches;
    }

    /// <summary>
    /// Decides the undecided messages: first from the heads of their stored search texts, then from
    /// the whole texts (no MIME parsing), then, for those without one (stored before schema version
    /// 5) or still undecided (HEADER keys), from their bytes.
    /// </summary>
    private async Task<List<long>> VerifyAsync(SearchEvaluator evaluator, SearchKey query, List<SearchCandidate> undecided, CancellationToken ct)
    {
        var folderId = selected!.Folder.Id;
        List<long> matched = [];
        var unknown = undecided;
        if (SearchEvaluator.HasBodyOrText(query))
        {
            // Heads first: a few hundred bytes each decide the messages where a string is found
            // near the start (a common word: nearly all of them); the others read the whole text.
            (matched, unknown) = await VerifyPartitionedAsync(
                    undecided, uids => messages.ReadSearchTextHeadsAsync(folderId, uids, ct), t => t.Uid, (c, t) => c.Text = t, evaluator, query, ct)
                .ConfigureAwait(false);
            foreach (var candidate in unknown)
            {
                candidate.Text = null;
            }

            if (unknown.Count > 0)
            {
                List<long> fromTexts;
                (fromTexts, unknown) = await VerifyPartitionedAsync(
                        unknown, uids => messages.ReadSearchTextsAsync(folderId, uids, ct), t => t.Uid, (c, t) => c.Text = t, evaluator, query, ct)
                    .ConfigureAwait(false);
                matched.AddRange(fromTexts);
            }

            // Still undecided (a HEADER key too): the message bytes decide; texts are not kept meanwhile.
            foreach (var candidate in unknown)
            {
                candidate.Text = null;
            }
        }

        if (unknown.Count > 0)
        {
            var (fromBytes, gone) = await VerifyPartitionedAsync(
                    unknown, uids => messages.ReadMessagesAsync(folderId, uids, ct), r => r.Uid, (c, r) => c.Attach(r.Raw), evaluator, query, ct)
                .ConfigureAwait(false);
            matched.AddRange(fromBytes);

            // Messages expunged by another session meanwhile: evaluated as the scan did, with no content.
            foreach (var candidate in gone)
            {
                candidate.Attach(null);
                if (evaluator.Evaluate(query, candidate) == SearchTruth.True)
                {
                    matched.Add(candidate.Uid);
                }
            }
        }

        return matched;
    }

    /// <summary>
    /// Reads what <paramref name="read"/> gives for the candidates and evaluates them, in as many
    /// UID ranges in parallel as there are cores (each range its own queries and connection, so
    /// reading, decryption and matching all spread). Returns the matching UIDs, and the candidates
    /// still undecided or not read (absent from what <paramref name="read"/> returned).
    /// </summary>
    private static async Task<(List<long> Matched, List<SearchCandidate> Unknown)> VerifyPartitionedAsync<T>(
        List<SearchCandidate> candidates, Func<IReadOnlyList<long>, IAsyncEnumerable<T>> read, Func<T, long> uidOf, Action<SearchCandidate, T> attach,
        SearchEvaluator evaluator, SearchKey query, CancellationToken ct)
    {
        var ordered = candidates.OrderBy(c => c.Uid).ToArray();
        var parts = ordered.Length < 512 ? 1 : Math.Clamp(Environment.ProcessorCount, 1, 8);
        var size = (ordered.Length + parts - 1) / Math.Max(parts, 1);
        var tasks = ordered.Chunk(Math.Max(size, 1)).Select(slice => Task.Run(
            async () =>
            {
                var pending = slice.ToDictionary(c => c.Uid);
                var matched = new List<long>();
                var unknown = new List<SearchCandidate>();
                await foreach (var item in read([.. pending.Keys]).WithCancellation(ct).ConfigureAwait(false))
                {
                    if (!pending.Remove(uidOf(item), out var candidate))
                    {
                        continue;
                    }

                    attach(candidate, item);
                    var result = evaluator.Evaluate(query, candidate);
                    if (result == SearchTruth.Unknown)
                    {
                        unknown.Add(candidate);
                        continue;
                    }

                    candidate.Dispose();
                    if (result == SearchTruth.True)
                    {
                        matched.Add(candidate.Uid);
                    }
                }

                unknown.AddRange(pending.Values);
                return (matched, unknown);
            },
            ct)).ToArray();
        var results = await Task.WhenAll(tasks).ConfigureAwait(false);
        return ([.. results.SelectMany(r => r.matched)], [.. results.SelectMany(r => r.unknown)]);
    }
}
