using System.Text;
using OpenMss.Core.Conversations;
using OpenMss.Smtp.Protocol;

namespace OpenMss.Smtp.Tests.Protocol;

public class ConversationRepliesTests
{
    [Theory]
    [InlineData(ConversationRefusal.ConversationClosed, "conversation_closed", "Conversation close par le professionnel de sante (FIN): le patient ne peut plus y repondre")]
    [InlineData(ConversationRefusal.NotAPharmacy, "patient_initiation", "Un patient ne peut ecrire en premier qu'a sa pharmacie")]
    [InlineData(ConversationRefusal.NoRecentDispensation, "patient_initiation", "Un patient ne peut ecrire en premier qu'a sa pharmacie")]
    public void Each_refusal_of_the_conversation_rules_has_an_ASCII_550_5_7_1_reply_saying_why(ConversationRefusal refusal, string reason, string french)
    {
        var reply = SmtpReplies.ForConversationRefusal(refusal);

        var wire = reply.Encoded.ToArray();
        var text = Encoding.ASCII.GetString(wire);
        Assert.All(text[..^2], c => Assert.InRange(c, ' ', '~'));
        Assert.StartsWith("550 5.7.1 " + french, text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        Assert.Single(text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
        Assert.True(wire.Length <= 512, "RFC 5321 section 4.5.3.1.5: a reply line is at most 512 octets");
        Assert.Equal(reason, reply.Reason);
    }

    [Fact]
    public void Allowing_is_not_a_refusal() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SmtpReplies.ForConversationRefusal(ConversationRefusal.None));
}

/// <summary>The closing rule fed as the patient space will feed it: from a message parsed by MimeKit.</summary>
public class ConversationClosingOnParsedMessagesTests
{
    [Theory]
    [InlineData("Subject: =?utf-8?q?RE=3A_r=C3=A9sultats_=5BFIN=5D?=", true)]
    [InlineData("Subject: =?utf-8?b?UkU6IHLDqXN1bHRhdHMgW0ZJTl0=?=", true)]
    [InlineData("Subject: =?utf-8?q?RE=3A_Votre_ordonnance?= - FIN", true)]
    [InlineData("Subject: =?utf-8?q?Fin_de_traitement?=", false)]
    [InlineData("Subject: =?utf-8?q?FINESS_=C3=A0_v=C3=A9rifier?=", false)]
    [InlineData("Subject: RE: Votre ordonnance\r\nx-mss-mes:  FIN ", true)]
    [InlineData("Subject: RE: Votre ordonnance\r\nX-MSS-MES: SUITE", false)]
    public void Encoded_words_are_decoded_before_the_rule_reads_the_subject(string header, bool closes)
    {
        var raw = "From: <pharmacie@pharmacien.mssante.fr>\r\n" + header + "\r\nMessage-ID: <a@pharmacien.mssante.fr>\r\n\r\nBonjour\r\n";
        var message = MimeKit.MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(raw)));

        var headers = message.Headers.Select(h => KeyValuePair.Create(h.Field, h.Value));

        Assert.Equal(closes, ConversationClosing.Closes(message.Subject, headers));
    }
}
