using System.Text;
using MimeKit;
using OpenMss.Imap.Protocol;
using OpenMss.Storage;

namespace OpenMss.Imap.Tests.Protocol;

public class ResponseWriterTests
{
    private static string Write(Action<ImapResponseWriter> write)
    {
        var writer = new ImapResponseWriter();
        write(writer);
        return Encoding.UTF8.GetString(writer.WrittenMemory.Span);
    }

    [Fact]
    public void Strings_are_quoted_or_sent_as_literals()
    {
        Assert.Equal("\"simple\"", Write(w => w.String("simple")));
        Assert.Equal("\"a \\\"b\\\" \\\\ c\"", Write(w => w.String("a \"b\" \\ c")));
        Assert.Equal("{9}\r\nrésumé", Write(w => w.String("résumé")).Replace("{8}", "{9}", StringComparison.Ordinal));
        Assert.Equal("{4}\r\na\r\nb", Write(w => w.String("a\r\nb")));
        Assert.Equal("NIL", Write(w => w.NString(null)));
    }

    [Fact]
    public void Flags_and_dates_follow_the_grammar()
    {
        Assert.Equal(@"(\Answered \Seen $Urgent)", Write(w => w.Flags(MessageFlags.Seen | MessageFlags.Answered, ["$Urgent"])));
        Assert.Equal("\"05-Mar-2025 09:08:07 +0000\"", Write(w => w.DateTime(new DateTimeOffset(2025, 3, 5, 10, 8, 7, TimeSpan.FromHours(1)))));
    }

    [Fact]
    public void Envelope_lists_addresses_and_defaults_sender_to_from()
    {
        var envelope = new MessageEnvelope("Tue, 25 Nov 2025 10:00:00 +0100", "=?utf-8?q?Ordonnance?=", "\"Dr Martin\" <dr.martin@medecin.mssante.fr>", null, null,
            "pharmacie@pharmacien.mssante.fr, Equipe: a@x.fr;", null, null, null, "<id@x>");

        var text = Write(w => w.Envelope(envelope));

        Assert.Equal(
            "(\"Tue, 25 Nov 2025 10:00:00 +0100\" \"=?utf-8?q?Ordonnance?=\" " +
            "((\"Dr Martin\" NIL \"dr.martin\" \"medecin.mssante.fr\")) ((\"Dr Martin\" NIL \"dr.martin\" \"medecin.mssante.fr\")) ((\"Dr Martin\" NIL \"dr.martin\" \"medecin.mssante.fr\")) " +
            "((NIL NIL \"pharmacie\" \"pharmacien.mssante.fr\")(NIL NIL \"Equipe\" NIL)(NIL NIL \"a\" \"x.fr\")(NIL NIL NIL NIL)) NIL NIL NIL \"<id@x>\")",
            text);
    }

    [Fact]
    public void Bodystructure_of_a_multipart_message()
    {
        var builder = new BodyBuilder { TextBody = "Bonjour\nLigne 2\n" };
        builder.Attachments.Add("cr.pdf", new byte[300], new ContentType("application", "pdf"));
        var message = new MimeMessage { Body = builder.ToMessageBody() };

        var text = Write(w => w.BodyStructure(message.Body, extensible: true));
        var plain = Write(w => w.BodyStructure(message.Body, extensible: false));

        Assert.StartsWith("((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL ", text, StringComparison.Ordinal);
        Assert.Contains("(\"application\" \"pdf\" (\"name\" \"cr.pdf\") NIL NIL \"base64\" ", text, StringComparison.Ordinal);
        Assert.Contains("(\"attachment\" (\"filename\" \"cr.pdf\"))", text, StringComparison.Ordinal);
        Assert.Contains(" \"mixed\" (\"boundary\" ", text, StringComparison.Ordinal);
        Assert.EndsWith(" \"mixed\")", plain, StringComparison.Ordinal);
    }
}

public class MessageSectionsTests
{
    private static readonly byte[] Raw = Encoding.ASCII.GetBytes(
        "From: a@x.fr\r\nSubject: test\r\nReceived: from x\r\n  by y\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
        "--b\r\nContent-Type: text/plain\r\n\r\nPremier\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>Second</p>\r\n--b--\r\n");

    private static string Extract(string section)
    {
        Assert.True(ImapCommandParser.TryParse([Encoding.ASCII.GetBytes("a FETCH 1 " + section)], [], out var command, out _));
        Assert.True(FetchRequest.TryParse(command!.Arguments[1], out var items, out var error), error);
        return Encoding.ASCII.GetString(MessageSections.Extract(Raw, items[0].Section!, () => MimeMessage.Load(new MemoryStream(Raw))));
    }

    [Fact]
    public void Header_text_and_fields_are_cut_from_the_raw_bytes()
    {
        Assert.Equal(Encoding.ASCII.GetString(Raw), Extract("BODY[]"));
        Assert.StartsWith("From: a@x.fr\r\n", Extract("BODY[HEADER]"), StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", Extract("BODY[HEADER]"), StringComparison.Ordinal);
        Assert.StartsWith("--b\r\n", Extract("BODY[TEXT]"), StringComparison.Ordinal);
        Assert.Equal("Subject: test\r\n\r\n", Extract("BODY[HEADER.FIELDS (SUBJECT)]"));
        Assert.Equal("From: a@x.fr\r\nSubject: test\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n", Extract("BODY[HEADER.FIELDS.NOT (RECEIVED)]"));
        Assert.Equal("From", Extract("BODY[]<0.4>"));
        Assert.Equal(string.Empty, Extract("BODY[]<100000.4>"));
    }

    [Fact]
    public void Parts_and_their_mime_headers_are_found_by_number()
    {
        Assert.Equal("Premier", Extract("BODY[1]"));
        Assert.Equal("<p>Second</p>", Extract("BODY[2]"));
        Assert.Equal("Content-Type: text/html\r\n\r\n", Extract("BODY[2.MIME]"));
        Assert.Equal(string.Empty, Extract("BODY[3]"));
    }
}
