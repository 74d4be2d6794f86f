#nullable disable
using System.Text;
using MailKit;
using MailKit.Search;
using MimeKit;
using MimeKit.Utils;
using OpenMss.Testing;

namespace OpenMss.Imap.Tests.Server;

/// <summary>
/// SEARCH BODY/TEXT through the store's search filters, and FETCH of body sections read in batches,
/// seen by MailKit over real TLS on both backends: the UIDs must be those a plain scan finds.
/// </summary>
public class SearchIndexTests
{
    private static readonly string[] Corpus =
    [
        Mime("Compte rendu", "text/plain; charset=utf-8", "8bit", "Le patient présente une CARDIOMYOPATHIE hypertrophique.\r\nÉchographie à prévoir."),
        Mime("Résultats", "text/plain; charset=utf-8", "quoted-printable", "Bilan h=C3=A9patique normal, pas de thrombocyto=\r\np=C3=A9nie. Fi=C3=A8vre absente."),
        Mime("Ordonnance", "text/plain; charset=utf-8", "base64", Convert.ToBase64String(Encoding.UTF8.GetBytes("Amoxicilline 1 g matin et soir pendant sept jours, posologie pédiatrique."))),
        Mime("Courrier", "text/plain; charset=iso-8859-1", "quoted-printable", "Cher confr=E8re, la fi=E8vre du patient a c=E9d=E9. Hospitalisation =E0 domicile."),
        Multipart(),
        Mime("=?utf-8?q?Radiographie_thoracique_=C3=A0_revoir?=", "text/plain; charset=utf-8", "7bit", "Voir le sujet du message."),
        Mime("ok", "text/plain; charset=us-ascii", "7bit", "a b c"),
        // Stored "before the migration" below: no search filter, found by the scan.
        Mime("Ancien", "text/plain; charset=utf-8", "8bit", "Spirométrie et cardiomyopathie dilatée, message d'avant l'index."),
        // Long bodies: what the search-text head (first 2 KiB of the text parts) decides, and what only the whole text does.
        Mime("Long", "text/plain; charset=utf-8", "8bit", "Glycémie à jeun normale.\r\n" + Filler(3000) + "Néphropathie diabétique débutante.\r\n" + Filler(800)),
        // A word across the head's cut (it starts 2,040 bytes into the text).
        Mime("Coupe", "text/plain; charset=us-ascii", "7bit", new string('x', 2039) + " tachyarythmie ventriculaire\r\n" + Filler(500)),
        // Stored "before schema version 6" below: a search text without a head.
        Mime("Sans tete", "text/plain; charset=utf-8", "8bit", "Glycémie élevée.\r\n" + Filler(3000) + "Rétinopathie diabétique.\r\n"),
    ];

    private const int OldUid = 8;
    private const int HeadlessUid = 11;

    private static readonly string[] Queries =
    [
        "cardiomyopathie", "CARDIOMYOPATHIE", "échographie", "ÉCHOGRAPHIE", "echographie", "hépatique", "thrombocytopénie", "fièvre",
        "FIÈVRE", "Amoxicilline", "pédiatrique", "confrère", "cédé", "Radiographie", "thoracique", "Dr Martin", "gras", "tachycardie",
        "Ligne jointe", "naïf", "zygomaticofacial", "spirométrie", "patient", "ab", "a", "é", "b c", "Voir le sujet",
        "glycémie", "GLYCÉMIE à jeun", "néphropathie diabétique", "rétinopathie", "diabétique", "tachyarythmie", "xxxx tachy", "suivi clinique",
    ];

    public static TheoryData<StoreBackend> Backends => [StoreBackend.Sqlite, StoreBackend.Postgres];

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Search_body_and_text_return_the_uids_of_a_plain_scan(StoreBackend backend)
    {
        await using var harness = await ImapHarness.StartAsync(backend: backend);
        var inbox = await harness.InboxIdAsync();
        foreach (var message in Corpus)
        {
            await harness.Store.AppendAsync(inbox, Encoding.Latin1.GetBytes(message), Storage.MessageFlags.None, DateTimeOffset.UtcNow);
        }

        await using (var connection = await harness.TestStore.Database.OpenConnectionAsync())
        await using (var command = connection.CreateCommand())
        {
            // The last message as if stored before schema version 5: no filter, no search text.
            command.CommandText = $"DELETE FROM message_search_texts WHERE blob_id = (SELECT blob_id FROM messages WHERE uid = {OldUid}); " +
                $"DELETE FROM message_search_heads WHERE blob_id = (SELECT blob_id FROM messages WHERE uid = {OldUid}); " +
                $"UPDATE messages SET search_filter = NULL WHERE uid = {OldUid}; " +
                // This one as if stored before schema version 6: a search text, no head.
                $"DELETE FROM message_search_heads WHERE blob_id = (SELECT blob_id FROM messages WHERE uid = {HeadlessUid})";
            Assert.Equal(4, await command.ExecuteNonQueryAsync());
        }

        using var client = await harness.ConnectAsync();
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await client.Inbox.AddFlagsAsync(new UniqueId(1), MessageFlags.Flagged, true);

        foreach (var query in Queries)
        {
            var body = Expected(m => BodyMatches(m, query));
            var text = Expected(m => TextMatches(m, query));
            Assert.True(Enumerable.SequenceEqual(body, await Uids(client, SearchQuery.BodyContains(query))), $"BODY {query}");
            Assert.True(Enumerable.SequenceEqual(text, await Uids(client, SearchQuery.MessageContains(query))), $"TEXT {query}");
            var notBody = Enumerable.Range(1, Corpus.Length).Select(i => (uint)i).Except(body).ToArray();
            Assert.True(Enumerable.SequenceEqual(notBody, await Uids(client, SearchQuery.Not(SearchQuery.BodyContains(query)))), $"NOT BODY {query}");
        }

        // A word only in a header: TEXT finds it, BODY does not.
        Assert.Equal(new uint[] { 6u }, await Uids(client, SearchQuery.MessageContains("radiographie thoracique")));
        Assert.Empty(await Uids(client, SearchQuery.BodyContains("radiographie thoracique")));
        // Combined with other keys as before.
        Assert.Equal(new uint[] { 1u }, await Uids(client, SearchQuery.BodyContains("cardiomyopathie").And(SearchQuery.Flagged)));
        Assert.Equal(new uint[] { 8u }, await Uids(client, SearchQuery.BodyContains("cardiomyopathie").And(SearchQuery.NotFlagged)));
        Assert.Equal(new uint[] { 1u, 3u, 8u }, await Uids(client, SearchQuery.BodyContains("amoxicilline").Or(SearchQuery.BodyContains("cardiomyopathie"))));
        Assert.Equal(new uint[] { 2u, 4u, 5u }, await Uids(client, SearchQuery.BodyContains("fièvre").Or(SearchQuery.SubjectContains("pièces"))));
        Assert.Equal(new uint[] { 4u }, await Uids(client, SearchQuery.BodyContains("patient").And(SearchQuery.HeaderContains("Subject", "courrier"))));
        // Found in the heads, in the whole texts, or in both.
        Assert.Equal(new uint[] { 9u, 11u }, await Uids(client, SearchQuery.BodyContains("glycémie")));
        Assert.Equal(new uint[] { 9u, 11u }, await Uids(client, SearchQuery.BodyContains("diabétique")));
        Assert.Equal(new uint[] { 10u }, await Uids(client, SearchQuery.BodyContains("tachyarythmie")));
        Assert.Equal(new uint[] { 9u }, await Uids(client, SearchQuery.BodyContains("glycémie").And(SearchQuery.BodyContains("néphropathie"))));
        Assert.Equal(new uint[] { 11u }, await Uids(client, SearchQuery.BodyContains("glycémie").And(SearchQuery.Not(SearchQuery.BodyContains("néphropathie")))));
        var sequences = await client.Inbox.SearchAsync(SearchOptions.None, SearchQuery.BodyContains("fièvre"));
        Assert.Equal([2u, 4u, 5u], sequences.UniqueIds.Select(u => u.Id));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Fetch_of_many_headers_and_bodies_returns_each_message_once_with_its_own_bytes(StoreBackend backend)
    {
        await using var harness = await ImapHarness.StartAsync(backend: backend);
        var inbox = await harness.InboxIdAsync();
        const int Count = 600;
        for (var i = 1; i <= Count; i++)
        {
            await harness.Store.AppendAsync(inbox, Messages.Create($"Message {i}", $"Corps numéro {i}."), Storage.MessageFlags.None, DateTimeOffset.UtcNow);
        }

        using var client = await harness.ConnectAsync();
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);

        var headers = await client.Inbox.FetchAsync(0, -1, new FetchRequest(MessageSummaryItems.UniqueId) { Headers = HeaderSet.All });
        Assert.Equal(Count, headers.Count);
        Assert.Equal(Enumerable.Range(1, Count).Select(i => $"Message {i}"), headers.OrderBy(h => h.UniqueId.Id).Select(h => h.Headers[HeaderId.Subject]));

        // A sparse UID set, and a sequence set given out of order.
        var sparse = await client.Inbox.FetchAsync([new UniqueId(3), new UniqueId(300), new UniqueId(599)], new FetchRequest(MessageSummaryItems.UniqueId) { Headers = HeaderSet.All });
        Assert.Equal(["Message 3", "Message 300", "Message 599"], sparse.OrderBy(h => h.UniqueId.Id).Select(h => h.Headers[HeaderId.Subject]));
        var raw = await harness.ConnectRawAsync();
        await raw.CommandAsync("a", $"LOGIN {ImapHarness.User} \"{ImapHarness.Password}\"");
        await raw.CommandAsync("b", "SELECT INBOX");
        var lines = await raw.CommandAsync("c", "FETCH 5,2,400 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        Assert.Equal(["* 2 FETCH", "* 5 FETCH", "* 400 FETCH"], lines.Where(l => l.StartsWith("* ", StringComparison.Ordinal)).Select(l => string.Join(' ', l.Split(' ').Take(3))));
        Assert.Equal(["Subject: Message 2", "Subject: Message 5", "Subject: Message 400"], lines.Where(l => l.StartsWith("Subject:", StringComparison.Ordinal)));
        var text = await raw.CommandAsync("d", "FETCH 450 (BODY[TEXT])");
        Assert.Contains(text, l => l.StartsWith("Corps num", StringComparison.Ordinal));
        Assert.Contains(text, l => l.Contains("\\Seen", StringComparison.Ordinal));
        raw.Dispose();

        var message = await client.Inbox.GetMessageAsync(new UniqueId(450));
        Assert.Equal("Corps numéro 450.", message.TextBody.Trim());
        var unseen = await client.Inbox.SearchAsync(SearchQuery.NotSeen);
        Assert.DoesNotContain(new UniqueId(450), unseen);
        Assert.Equal(Count - 1, unseen.Count);
    }

    private static async Task<uint[]> Uids(MailKit.Net.Imap.ImapClient client, SearchQuery query) =>
        [.. (await client.Inbox.SearchAsync(query)).Select(u => u.Id)];

    private static uint[] Expected(Func<MimeMessage, bool> predicate) =>
        [.. Corpus.Select((m, i) => (m, i)).Where(x => predicate(Parse(x.m))).Select(x => (uint)(x.i + 1))];

    private static MimeMessage Parse(string message) => MimeMessage.Load(new MemoryStream(Encoding.Latin1.GetBytes(message)));

    private static bool BodyMatches(MimeMessage m, string text) =>
        m.BodyParts.OfType<TextPart>().Any(p => p.Text?.Contains(text, StringComparison.OrdinalIgnoreCase) == true);

    private static bool TextMatches(MimeMessage m, string text) =>
        m.Headers.Any(h => Rfc2047.DecodeText(h.RawValue).Contains(text, StringComparison.OrdinalIgnoreCase)) || BodyMatches(m, text);

    private static string Filler(int bytes)
    {
        var text = new StringBuilder();
        while (text.Length < bytes)
        {
            text.Append("Suivi clinique stable, traitement poursuivi sans modification.\r\n");
        }

        return text.ToString();
    }

    private static string Mime(string subject, string contentType, string encoding, string body)
    {
        var bytes = encoding == "8bit" ? Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(body)) : body;
        return "Date: Tue, 25 Nov 2025 10:00:00 +0100\r\nFrom: Dr Martin <dr.martin@medecin.mssante.fr>\r\nTo: dr.martin@medecin.mssante.fr\r\n" +
            $"Subject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: {contentType}\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n{bytes}\r\n";
    }

    private static string Multipart()
    {
        var html = Convert.ToBase64String(Encoding.Latin1.GetBytes("<p>Traitement en <b>gras</b> : dose unique, patient na\u00eff, fi\u00e8vre.</p>"));
        return "Date: Tue, 25 Nov 2025 10:00:00 +0100\r\nFrom: labo@medecin.mssante.fr\r\nTo: dr.martin@medecin.mssante.fr\r\nSubject: =?utf-8?q?Pi=C3=A8ces?=\r\n" +
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
            "--b1\r\nContent-Type: text/html; charset=windows-1252\r\nContent-Transfer-Encoding: base64\r\n\r\n" + html + "\r\n" +
            "--b1\r\nContent-Type: text/plain; charset=utf-8; name=\"note.txt\"\r\nContent-Disposition: attachment; filename=\"note.txt\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
            "Ligne jointe au dossier, tachy=\r\ncardie.\r\n" +
            "--b1--\r\n";
    }
}
