using System.Text;
using MimeKit;
using MimeKit.Utils;
using OpenMss.Storage.Sql;
using OpenMss.Testing;

namespace OpenMss.Storage.Tests;

public abstract partial class MailStoreTests
{
    private const string SearchMailbox = "recherche@medecin.mssante.fr";

    /// <summary>Messages written the ways mail arrives: encodings, charsets, structure.</summary>
    private static readonly string[] SearchCorpus =
    [
        // 0: plain UTF-8, accents.
        Mime("Compte rendu", "text/plain; charset=utf-8", "8bit", "Le patient présente une CARDIOMYOPATHIE hypertrophique.\r\nÉchographie à prévoir."),
        // 1: quoted-printable, a word cut by a soft line break, accents encoded.
        Mime("Résultats", "text/plain; charset=utf-8", "quoted-printable", "Bilan h=C3=A9patique normal, pas de thrombocyto=\r\np=C3=A9nie. Fi=C3=A8vre absente."),
        // 2: base64 body.
        Mime("Ordonnance", "text/plain; charset=utf-8", "base64", Convert.ToBase64String(Encoding.UTF8.GetBytes("Amoxicilline 1 g matin et soir pendant sept jours, posologie pédiatrique.")), wrapBase64: true),
        // 3: ISO-8859-1 body in quoted-printable (non-UTF-8 charset).
        Mime("Courrier", "text/plain; charset=iso-8859-1", "quoted-printable", "Cher confr=E8re, la fi=E8vre du patient a c=E9d=E9. Hospitalisation =E0 domicile."),
        // 4: multipart with an HTML part and a text attachment, windows-1252 in base64.
        Multipart(),
        // 5: the word only in a header (subject, RFC 2047 encoded), not in the body.
        Mime("=?utf-8?q?Radiographie_thoracique_=C3=A0_revoir?=", "text/plain; charset=utf-8", "7bit", "Voir le sujet du message."),
        // 6: short body, tiny words only.
        Mime("ok", "text/plain; charset=us-ascii", "7bit", "a b c"),
    ];

    [Fact]
    public async Task Search_filters_never_drop_a_message_the_plain_scan_matches()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, SearchMailbox);
        var inbox = await InboxIdAsync(store, SearchMailbox);
        var uids = new List<long>();
        foreach (var message in SearchCorpus)
        {
            uids.Add((await store.AppendAsync(inbox, Encoding.Latin1.GetBytes(message), MessageFlags.None, DateTimeOffset.UtcNow)).Uid);
        }

        string[] queries =
        [
            "cardiomyopathie", "CARDIOMYOPATHIE", "Cardio", "échographie", "ÉCHOGRAPHIE", "echographie", "hépatique", "HÉPATIQUE",
            "thrombocytopénie", "fièvre", "FIÈVRE", "Amoxicilline", "pédiatrique", "confrère", "cédé", "à domicile",
            "Radiographie", "thoracique", "Dr Martin", "recherche@medecin", "Bilan hépatique normal", "zygomaticofacial",
            "tachycardie", "ven", "Hospitalisation", "patient", "Voir le sujet", "gras", "Ligne jointe", "dose", "naïf",
            "ab", "a", "é", "b c", "\u00e0 revoir",
        ];
        var candidates = await store.FindTextCandidatesAsync(inbox, queries);

        Assert.Equal(queries.Length, candidates.Count);
        var filteredOut = 0;
        for (var q = 0; q < queries.Length; q++)
        {
            var expected = uids.Where((uid, i) => ScanMatches(SearchCorpus[i], queries[q])).ToArray();
            if (queries[q].Length < 3)
            {
                Assert.Null(candidates[q]);
                continue;
            }

            var set = Assert.IsAssignableFrom<IReadOnlySet<long>>(candidates[q]);
            Assert.All(expected, uid => Assert.Contains(uid, set));
            filteredOut += uids.Count - set.Count;
        }

        // The stored search texts decide exactly as the plain scan (BODY: text parts; TEXT: and headers).
        var texts = new Dictionary<long, SearchText>();
        await foreach (var text in store.ReadSearchTextsAsync(inbox, uids))
        {
            texts[text.Uid] = text;
        }

        Assert.Equal(uids, texts.Keys.Order());
        foreach (var query in queries)
        {
            for (var i = 0; i < uids.Count; i++)
            {
                Assert.True(ScanMatches(SearchCorpus[i], query) == texts[uids[i]].Contains(query, headers: true), $"TEXT {query} in {i}");
                Assert.True(ScanMatches(SearchCorpus[i], query, headers: false) == texts[uids[i]].Contains(query, headers: false), $"BODY {query} in {i}");
            }
        }

        Assert.Null(texts[uids[0]].Contains("\U0001F600", headers: true));

        // The filter must also be useful: the words in no message are rejected almost everywhere.
        Assert.True(filteredOut > queries.Length * 3, $"only {filteredOut} messages filtered out");
        var absent = await store.FindTextCandidatesAsync(inbox, ["zygomaticofacial", "bradypnée"]);
        Assert.Empty(absent[0]!);
        Assert.Empty(absent[1]!);
        Assert.Equal(uids.Skip(5).Take(1), (await store.FindTextCandidatesAsync(inbox, ["Radiographie thoracique"]))[0]!.Order());
    }

    [Fact]
    public async Task Copied_and_moved_messages_keep_their_search_filter()
    {
        await using var store = await NewStoreAsync();
        var mailbox = await CreateMailboxAsync(store, SearchMailbox);
        var inbox = await InboxIdAsync(store, SearchMailbox);
        var archive = (await store.FindFolderAsync(mailbox.Id, "Archive"))!.Id;
        var trash = (await store.FindFolderAsync(mailbox.Id, "Trash"))!.Id;
        var first = await store.AppendAsync(inbox, TestMessages.Create(marker: "Scintigraphie myocardique"), MessageFlags.None, DateTimeOffset.UtcNow);
        await store.AppendAsync(inbox, TestMessages.Create(), MessageFlags.None, DateTimeOffset.UtcNow);

        var copy = await store.CopyMessagesAsync(inbox, [first.Uid], archive, move: false);
        var move = await store.CopyMessagesAsync(archive, copy.TargetUids, trash, move: true);

        Assert.Equal([first.Uid], (await store.FindTextCandidatesAsync(inbox, ["scintigraphie"]))[0]!.Order());
        Assert.Empty((await store.FindTextCandidatesAsync(archive, ["scintigraphie"]))[0]!.Order());
        Assert.Equal(move.TargetUids, (await store.FindTextCandidatesAsync(trash, ["SCINTIGRAPHIE myocardique"]))[0]!.Order());

        // The search texts are shared by the copies and go with the last of them.
        await using var connection = await store.Database.OpenConnectionAsync();
        Assert.Equal(2L, await ScalarAsync(connection, "SELECT COUNT(*) FROM message_search_texts"));
        await store.StoreFlagsAsync(inbox, [first.Uid], FlagOperation.Add, MessageFlags.Deleted, []);
        await store.ExpungeAsync(inbox);
        Assert.Equal(2L, await ScalarAsync(connection, "SELECT COUNT(*) FROM message_search_texts"));
        await store.StoreFlagsAsync(trash, move.TargetUids, FlagOperation.Add, MessageFlags.Deleted, []);
        await store.ExpungeAsync(trash);
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT COUNT(*) FROM message_search_texts"));
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT COUNT(*) FROM message_search_heads"));
        Assert.True(await store.DeleteMailboxAsync(SearchMailbox));
        Assert.Equal(0L, await ScalarAsync(connection, "SELECT COUNT(*) FROM message_search_texts"));
        Assert.Equal(0L, await ScalarAsync(connection, "SELECT COUNT(*) FROM message_search_heads"));
    }

    [Fact]
    public async Task A_version_4_database_is_upgraded_and_its_messages_are_still_found()
    {
        await using var database = await TestDatabase.CreateAsync(Backend);
        await using (var v4 = MailStoreFactory.Create(database.Options))
        {
            await v4.MigrateAsync(targetVersion: 4, CancellationToken.None);
        }

        var old = TestMessages.Create(subject: "Avant l'index", marker: "Spirométrie de contrôle");
        long folderId;
        using (var cipher = MessageCipher.LoadOrCreate(database.Options.EncryptionKeyFile!))
        {
            // The rows as the version 4 code wrote them: no search filter (frozen SQL).
            await using var connection = await database.OpenConnectionAsync();
            var time = TimeParameter(DateTimeOffset.UtcNow);
            (folderId, var blobId) = await InsertOldMailboxAndBlobAsync(connection, cipher, old, time);
            await ScalarAsync(connection,
                "INSERT INTO messages (folder_id, uid, blob_id, flags, keywords, internal_date, size, modseq, envelope) VALUES (@f, 1, @b, 0, NULL, @t, @size, 1, @e)",
                ("f", folderId), ("b", blobId), ("t", time), ("size", (long)old.Length), ("e", cipher.Encrypt(EnvelopeCodec.Serialize(EnvelopeCodec.Parse(old)), SqlMailStore.EnvelopePurpose)));
        }

        await using (var store = await database.OpenStoreAsync())
        {
            var newer = await store.AppendAsync(folderId, TestMessages.Create(marker: "Cardiologie interventionnelle"), MessageFlags.None, DateTimeOffset.UtcNow);
            var sets = await store.FindTextCandidatesAsync(folderId, ["spirométrie", "cardiologie", "zygomaticofacial"]);

            // The old message has no filter: a candidate for every search (the scan decides).
            Assert.Equal([1L], sets[0]!.Order());
            Assert.Equal([1L, newer.Uid], sets[1]!.Order());
            Assert.Equal([1L], sets[2]!.Order());
            Assert.Equal(old, await store.ReadMessageAsync(folderId, 1));

            // Only the new message has a search text; the old one is verified from its bytes.
            var texts = new List<SearchText>();
            await foreach (var text in store.ReadSearchTextsAsync(folderId, [1, newer.Uid]))
            {
                texts.Add(text);
            }

            Assert.Equal([newer.Uid], texts.Select(t => t.Uid));
            Assert.True(texts[0].Contains("CARDIOLOGIE interventionnelle", headers: false));
            Assert.False(texts[0].Contains("spirométrie", headers: true));
        }

        await using var check = await database.OpenConnectionAsync();
        Assert.Equal(1L, await ScalarAsync(check, "SELECT COUNT(*) FROM message_search_texts"));
        Assert.Equal(7L, await ScalarAsync(check, "SELECT MAX(version) FROM schema_version"));
        Assert.Equal(1L, await ScalarAsync(check, "SELECT COUNT(*) FROM messages WHERE search_filter IS NULL"));
        Assert.Equal(1L, await ScalarAsync(check, "SELECT COUNT(*) FROM messages WHERE search_filter IS NOT NULL"));
    }

    [Fact]
    public async Task The_search_filter_adds_no_plaintext_to_the_database()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, SearchMailbox);
        var inbox = await InboxIdAsync(store, SearchMailbox);
        const string Word = "Xylophagiequintessentielle";
        for (var i = 0; i < 20; i++)
        {
            await store.AppendAsync(inbox, TestMessages.Create(subject: "Suivi " + Word, marker: string.Join(' ', Enumerable.Repeat(Word, 50))), MessageFlags.None, DateTimeOffset.UtcNow);
        }

        await using var connection = await store.Database.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT search_filter FROM messages UNION ALL SELECT data FROM message_search_texts UNION ALL SELECT data FROM message_search_heads";
        var filters = new List<byte[]>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                filters.Add((byte[])reader[0]);
            }
        }

        Assert.Equal(60, filters.Count);
        // Long enough that random bytes (ciphertext, filter bits) never contain one by chance: a
        // three-byte trigram turns up by chance in about one run in a hundred.
        var needles = new[] { Encoding.UTF8.GetBytes(Word), Encoding.UTF8.GetBytes(Word.ToUpperInvariant()), Encoding.Unicode.GetBytes(Word.ToUpperInvariant()), Encoding.UTF8.GetBytes("XYLOPHAG"), Encoding.Unicode.GetBytes("XYLOPHAG") };
        Assert.All(filters, f => Assert.All(needles, n => Assert.True(f.AsSpan().IndexOf(n) < 0)));
        Assert.All(filters.Take(20), f => Assert.InRange(f.Length, 1 + (512 / 8), 1 + (65536 / 8)));

        if (store.Backend == StoreBackend.Sqlite)
        {
            var file = await File.ReadAllBytesAsync(store.Database.SqliteFile!);
            var wal = store.Database.SqliteFile + "-wal";
            var bytes = File.Exists(wal) ? [.. file, .. await File.ReadAllBytesAsync(wal)] : file;
            Assert.All(needles, n => Assert.True(bytes.AsSpan().IndexOf(n) < 0));
        }
    }

    [Fact]
    public async Task Messages_are_read_in_batches_in_uid_order_absent_ones_skipped()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, SearchMailbox);
        var inbox = await InboxIdAsync(store, SearchMailbox);
        var raws = new Dictionary<long, byte[]>();
        for (var i = 0; i < 600; i++)
        {
            var raw = TestMessages.Create(subject: $"Message {i}", bodyBytes: 300);
            raws[(await store.AppendAsync(inbox, raw, MessageFlags.None, DateTimeOffset.UtcNow)).Uid] = raw;
        }

        var all = new List<StoredMessageContent>();
        await foreach (var content in store.ReadMessagesAsync(inbox, [.. raws.Keys.Reverse(), 9999]))
        {
            all.Add(content);
        }

        Assert.Equal(raws.Keys.Order(), all.Select(c => c.Uid));
        Assert.All(all, c => Assert.Equal(raws[c.Uid], c.Raw));

        var sparse = new List<long>();
        await foreach (var content in store.ReadMessagesAsync(inbox, [5, 3, 400, 401, 599, 0, 700]))
        {
            sparse.Add(content.Uid);
            Assert.Equal(raws[content.Uid], content.Raw);
        }

        Assert.Equal([3L, 5, 400, 401, 599], sparse);
    }

    [Fact]
    public void The_trigram_folding_is_the_one_of_ordinal_ignore_case()
    {
        Span<char> a = stackalloc char[1];
        Span<char> b = stackalloc char[1];
        for (var i = 0; i < 65536; i++)
        {
            var c = (char)i;
            if (char.IsSurrogate(c))
            {
                continue;
            }

            var fold = Search.SearchFilter.FoldChar(c);
            a[0] = c;
            b[0] = fold;
            Assert.True(MemoryExtensions.Equals(a, b, StringComparison.OrdinalIgnoreCase), $"U+{i:X4}");
            foreach (var other in new[] { char.ToLowerInvariant(c), char.ToUpperInvariant(c) })
            {
                b[0] = other;
                if (MemoryExtensions.Equals(a, b, StringComparison.OrdinalIgnoreCase))
                {
                    Assert.Equal(fold, Search.SearchFilter.FoldChar(other));
                }
            }
        }
    }

    [Fact]
    public void A_search_text_head_finds_what_the_whole_text_has_near_its_start_and_never_more()
    {
        var far = new string('b', 2044) + "glycémie";
        string[] headers = [new string('a', 509) + "glyXYZ", "Compte rendu"];
        string[] parts = ["Glycémie à jeun normale. " + new string('c', 3000), "cémie " + far];
        var whole = SearchText.Deserialize(1, SearchText.Serialize(headers, parts)!)!;
        var head = SearchText.Deserialize(1, SearchText.Head(SearchText.Serialize(headers, parts)!))!;

        Assert.False(whole.IsHead);
        Assert.True(head.IsHead);
        Assert.Equal(13 + 509 + 3 + 1 + 2048, head.Size);

        // At the start of a body: found in the head, as in the whole text.
        Assert.True(head.Contains("GLYCÉMIE à jeun", headers: false));
        Assert.True(whole.Contains("GLYCÉMIE à jeun", headers: false));

        // Past the cut, or absent: the head cannot say no (the whole text decides).
        Assert.Null(head.Contains("Compte rendu", headers: true));
        Assert.True(whole.Contains("Compte rendu", headers: true));
        Assert.Null(head.Contains("cémie bbbb", headers: false));
        Assert.Null(head.Contains("zygomaticofacial", headers: true));
        Assert.False(whole.Contains("zygomaticofacial", headers: true));

        // The header region cut right after "gly", the parts next: no match across the cut.
        Assert.False(whole.Contains("glyGlycémie", headers: true));
        Assert.Null(head.Contains("glyGlycémie", headers: true));
        Assert.Null(head.Contains("glyXYZ", headers: true));
        Assert.True(whole.Contains("glyXYZ", headers: true));

        // A short text is its own head: it decides both ways.
        string[] shortParts = ["Traitement poursuivi."];
        var small = SearchText.Deserialize(2, SearchText.Head(SearchText.Serialize(["Suivi"], shortParts)!))!;
        Assert.False(small.IsHead);
        Assert.True(small.Contains("poursuivi", headers: false));
        Assert.False(small.Contains("zygomaticofacial", headers: true));
        Assert.True(small.Contains(string.Empty, headers: false));
    }

    [Fact]
    public async Task Search_text_heads_are_stored_with_each_message_and_read_in_uid_order()
    {
        await using var store = await NewStoreAsync();
        await CreateMailboxAsync(store, SearchMailbox);
        var inbox = await InboxIdAsync(store, SearchMailbox);
        var uids = new List<long>();
        for (var i = 0; i < 300; i++)
        {
            var marker = i % 2 == 0 ? "Glycémie stable. " + new string('x', 4000) : new string('y', 4000) + " glycémie en fin de texte";
            uids.Add((await store.AppendAsync(inbox, TestMessages.Create(subject: $"Suivi {i}", bodyBytes: 5000, marker: marker), MessageFlags.None, DateTimeOffset.UtcNow)).Uid);
        }

        var heads = new List<SearchText>();
        await foreach (var head in store.ReadSearchTextHeadsAsync(inbox, [.. uids.Where((_, i) => i % 3 != 1).Reverse(), 9999]))
        {
            heads.Add(head);
        }

        Assert.Equal(uids.Where((_, i) => i % 3 != 1), heads.Select(h => h.Uid));
        Assert.All(heads, h => Assert.True(h.IsHead));
        Assert.All(heads, h => Assert.InRange(h.Size, 100, 2048 + 512 + 16));
        Assert.All(heads, h => Assert.Equal(uids.IndexOf(h.Uid) % 2 == 0 ? true : null, h.Contains("glycémie", headers: false)));

        // A delivery (its own statement on PostgreSQL) stores a head too.
        var delivered = await store.DeliverAsync(TestMessages.Inbound(TestMessages.Create(bodyBytes: 5000, marker: "Hémoglobine glyquée à 6,5 %."), SearchMailbox));
        var deliveredHeads = new List<SearchText>();
        await foreach (var head in store.ReadSearchTextHeadsAsync(inbox, [delivered[0].Uid]))
        {
            deliveredHeads.Add(head);
        }

        Assert.True(Assert.Single(deliveredHeads).Contains("HÉMOGLOBINE glyquée", headers: false));
        Assert.Null(deliveredHeads[0].Contains("zygomaticofacial", headers: true));
    }

    [Fact]
    public async Task A_version_5_database_is_upgraded_and_its_search_texts_are_still_read_whole()
    {
        await using var database = await TestDatabase.CreateAsync(Backend);
        await using (var v5 = MailStoreFactory.Create(database.Options))
        {
            await v5.MigrateAsync(targetVersion: 5, CancellationToken.None);
        }

        var old = TestMessages.Create(subject: "Avant les têtes", marker: "Spirométrie de contrôle");
        long folderId;
        using (var cipher = MessageCipher.LoadOrCreate(database.Options.EncryptionKeyFile!))
        {
            // The rows as the version 5 code wrote them: a search text, no head (frozen SQL).
            await using var connection = await database.OpenConnectionAsync();
            var time = TimeParameter(DateTimeOffset.UtcNow);
            (folderId, var blobId) = await InsertOldMailboxAndBlobAsync(connection, cipher, old, time);
            await ScalarAsync(connection, "INSERT INTO message_search_texts (blob_id, data) VALUES (@b, @d) RETURNING blob_id",
                ("b", blobId), ("d", cipher.Encrypt(SearchText.Serialize(["Avant les têtes"], ["Spirométrie de contrôle"])!, SqlMailStore.SearchTextPurpose)));
            await ScalarAsync(connection,
                "INSERT INTO messages (folder_id, uid, blob_id, flags, keywords, internal_date, size, modseq, envelope) VALUES (@f, 1, @b, 0, NULL, @t, @size, 1, @e) RETURNING uid",
                ("f", folderId), ("b", blobId), ("t", time), ("size", (long)old.Length), ("e", cipher.Encrypt(EnvelopeCodec.Serialize(EnvelopeCodec.Parse(old)), SqlMailStore.EnvelopePurpose)));
        }

        await using (var store = await database.OpenStoreAsync())
        {
            var newer = await store.AppendAsync(folderId, TestMessages.Create(marker: "Spirométrie normale"), MessageFlags.None, DateTimeOffset.UtcNow);
            var heads = new List<SearchText>();
            await foreach (var head in store.ReadSearchTextHeadsAsync(folderId, [1, newer.Uid]))
            {
                heads.Add(head);
            }

            // Only the new message has a head; the old one's whole text still answers.
            Assert.Equal([newer.Uid], heads.Select(h => h.Uid));
            Assert.True(heads[0].Contains("SPIROMÉTRIE", headers: false));
            var texts = new List<SearchText>();
            await foreach (var text in store.ReadSearchTextsAsync(folderId, [1, newer.Uid]))
            {
                texts.Add(text);
            }

            Assert.Equal([1L, newer.Uid], texts.Select(t => t.Uid));
            Assert.True(texts[0].Contains("spirométrie de CONTRÔLE", headers: false));
            Assert.False(texts[0].Contains("normale", headers: true));
        }

        await using var check = await database.OpenConnectionAsync();
        Assert.Equal(7L, await ScalarAsync(check, "SELECT MAX(version) FROM schema_version"));
        Assert.Equal(1L, await ScalarAsync(check, "SELECT COUNT(*) FROM message_search_heads"));
    }

    /// <summary>The plain scan, as the IMAP search evaluator does it (TEXT: headers and text parts).</summary>
    private static bool ScanMatches(string message, string text, bool headers = true)
    {
        using var stream = new MemoryStream(Encoding.Latin1.GetBytes(message));
        using var parsed = MimeMessage.Load(stream);
        return (headers && parsed.Headers.Any(h => Rfc2047.DecodeText(h.RawValue).Contains(text, StringComparison.OrdinalIgnoreCase)))
            || parsed.BodyParts.OfType<TextPart>().Any(p => p.Text?.Contains(text, StringComparison.OrdinalIgnoreCase) == true);
    }

    private static string Mime(string subject, string contentType, string encoding, string body, bool wrapBase64 = false)
    {
        if (wrapBase64)
        {
            body = string.Join("\r\n", body.Chunk(76).Select(c => new string(c)));
        }

        // Bodies here are ASCII or Latin-1 bytes held in a string (read back with Latin1).
        var utf8Body = encoding == "8bit" ? Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(body)) : body;
        return "Date: Tue, 25 Nov 2025 10:00:00 +0100\r\nFrom: Dr Martin <dr.martin@medecin.mssante.fr>\r\nTo: recherche@medecin.mssante.fr\r\n" +
            $"Subject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: {contentType}\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n{utf8Body}\r\n";
    }

    private static string Multipart()
    {
        var html = Convert.ToBase64String(Encoding.GetEncoding("iso-8859-1").GetBytes("<p>Traitement en <b>gras</b> : dose unique, patient na\u00eff.</p>"));
        return "Date: Tue, 25 Nov 2025 10:00:00 +0100\r\nFrom: dr.martin@medecin.mssante.fr\r\nTo: recherche@medecin.mssante.fr\r\nSubject: Pièces\r\n" +
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
            "--b1\r\nContent-Type: text/html; charset=windows-1252\r\nContent-Transfer-Encoding: base64\r\n\r\n" + html + "\r\n" +
            "--b1\r\nContent-Type: text/plain; charset=utf-8; name=\"note.txt\"\r\nContent-Disposition: attachment; filename=\"note.txt\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
            "Ligne jointe au dossier, tachy=\r\ncardie.\r\n" +
            "--b1--\r\n";
    }

    /// <summary>A mailbox, its INBOX (one message, UID 1) and the message's blob, as every schema version since 1 wrote them (frozen SQL).</summary>
    private static async Task<(long FolderId, long BlobId)> InsertOldMailboxAndBlobAsync(System.Data.Common.DbConnection connection, MessageCipher cipher, byte[] message, object time)
    {
        var mailboxId = await ScalarAsync(connection,
            "INSERT INTO mailboxes (address, kind, display_name, owner_id, created_at) VALUES (@a, 'PER', 'Dr Ancien', '810000000002', @t) RETURNING id",
            ("a", SearchMailbox), ("t", time));
        var folderId = await ScalarAsync(connection,
            "INSERT INTO folders (mailbox_id, name, special_use, uid_validity, uid_next, highest_modseq, message_count) VALUES (@m, 'INBOX', NULL, 1748772000, 2, 1, 1) RETURNING id",
            ("m", mailboxId));
        var blobId = await ScalarAsync(connection, "INSERT INTO message_blobs (refs, size, data) VALUES (1, @size, @data) RETURNING id",
            ("size", (long)message.Length), ("data", cipher.Encrypt(message, SqlMailStore.MessagePurpose)));
        return (folderId, blobId);
    }
}
