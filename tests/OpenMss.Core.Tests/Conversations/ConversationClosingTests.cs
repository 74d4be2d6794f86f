using OpenMss.Core.Conversations;

namespace OpenMss.Core.Tests.Conversations;

public class ConversationClosingTests
{
    [Theory]
    [InlineData("[FIN]")]
    [InlineData("RE: Votre ordonnance - FIN")]
    [InlineData("RE: résultats [FIN]")]
    [InlineData("FIN")]
    [InlineData("FIN de la prise en charge")]
    [InlineData("RE: résultats (FIN)")]
    [InlineData("RE: résultats FIN.")]
    [InlineData("RE: résultats, FIN!")]
    [InlineData("RE: résultats «FIN»")]
    [InlineData("RE: résultats « FIN »")]
    [InlineData("RE: résultats –FIN–")]
    [InlineData("RE: résultats —FIN")]
    [InlineData("RE: résultats FIN…")]
    [InlineData("RE: résultats ’FIN’")]
    [InlineData("RE: résultats\u00a0FIN")]
    [InlineData("RE: résultats\tFIN")]
    [InlineData("RE:FIN")]
    [InlineData("FIN-DE-TRAITEMENT")]
    [InlineData("RE: FINESS 750000000 - FIN")]
    [InlineData("XDM/1.0/DDM+Compte rendu [FIN]")]
    public void A_subject_with_FIN_in_capitals_as_a_whole_word_closes(string subject) =>
        Assert.True(ConversationClosing.SubjectCloses(subject), subject);

    [Theory]
    [InlineData("Fin de traitement")]
    [InlineData("FINESS")]
    [InlineData("FINAL")]
    [InlineData("fin")]
    [InlineData("Fin")]
    [InlineData("fIN")]
    [InlineData("RE: FINESS de la pharmacie")]
    [InlineData("Résultats FINAUX")]
    [InlineData("AFIN de compléter")]
    [InlineData("RE: FIN2")]
    [InlineData("RE: 2FIN")]
    [InlineData("RE: FIN_TRAITEMENT")]
    [InlineData("RE: ÉFIN")]
    [InlineData("RE: FINé")]
    [InlineData("RE: FIN\u0301")]
    [InlineData("RE: ＦＩＮ")]
    [InlineData("RE: [fin]")]
    [InlineData("RE: F I N")]
    [InlineData("RE: Votre ordonnance")]
    [InlineData("")]
    [InlineData(null)]
    public void Other_subjects_do_not_close(string? subject) =>
        Assert.False(ConversationClosing.SubjectCloses(subject), subject);

    [Theory]
    [InlineData("X-MSS-MES", "FIN", true)]
    [InlineData("x-mss-mes", "FIN", true)]
    [InlineData("X-Mss-Mes", " FIN ", true)]
    [InlineData("X-MSS-MES", "\tFIN\r\n", true)]
    [InlineData("X-MSS-MES", "fin", true)]
    [InlineData("X-MSS-MES", "FINAL", false)]
    [InlineData("X-MSS-MES", "FIN DE TRAITEMENT", false)]
    [InlineData("X-MSS-MES", "", false)]
    [InlineData("X-MSS-MESSAGE", "FIN", false)]
    [InlineData("X-MSS", "FIN", false)]
    [InlineData("Subject", "FIN", false)]
    public void The_header_X_MSS_MES_FIN_closes(string name, string value, bool closes)
    {
        Assert.Equal(closes, ConversationClosing.HeaderCloses(name, value));
        Assert.Equal(closes, ConversationClosing.Closes("RE: Votre ordonnance", [Header("Date", "x"), Header(name, value)]));
    }

    [Fact]
    public void A_message_closes_by_its_subject_or_its_header()
    {
        Assert.True(ConversationClosing.Closes("RE: résultats [FIN]", []));
        Assert.True(ConversationClosing.Closes("Fin de traitement", [Header("X-MSS-MES", "FIN")]));
        Assert.False(ConversationClosing.Closes("Fin de traitement", [Header("X-MSS-MES", "SUITE")]));
        Assert.False(ConversationClosing.Closes(null, []));
    }

    [Fact]
    public void Subjects_arrive_decoded_so_an_encoded_word_closes_once_decoded()
    {
        // What MimeKit's MimeMessage.Subject gives for "=?utf-8?q?RE=3A_r=C3=A9sultats_=5BFIN=5D?=":
        // the rule reads the decoded text, not the raw header.
        Assert.True(ConversationClosing.SubjectCloses("RE: résultats [FIN]"));
        Assert.False(ConversationClosing.SubjectCloses("=?utf-8?b?UkU6IHLDqXN1bHRhdHMgW0ZJTl0=?="));
    }

    [Theory]
    [InlineData("RE: Votre ordonnance", "RE: Votre ordonnance [FIN]")]
    [InlineData("RE: Votre ordonnance  ", "RE: Votre ordonnance [FIN]")]
    [InlineData("RE: résultats [FIN]", "RE: résultats [FIN]")]
    [InlineData("RE: Votre ordonnance - FIN", "RE: Votre ordonnance - FIN [FIN]")]
    [InlineData("", "[FIN]")]
    [InlineData(null, "[FIN]")]
    public void OpenMSS_tools_end_the_subject_with_FIN_once(string? subject, string expected)
    {
        Assert.Equal(expected, ConversationClosing.ClosingSubject(subject));
        Assert.Equal(expected, ConversationClosing.ClosingSubject(ConversationClosing.ClosingSubject(subject)));
        Assert.True(ConversationClosing.SubjectCloses(expected));
    }

    [Fact]
    public void OpenMSS_tools_set_both_the_header_and_the_subject_marker_and_not_twice()
    {
        var headers = new[] { Header("From", "pharmacie@pharmacien.mssante.fr"), Header("x-mss-mes", "SUITE"), Header("Message-ID", "<a@b>") };

        var once = ConversationClosing.MarkClosing("RE: Votre ordonnance", headers);
        var twice = ConversationClosing.MarkClosing(once.Subject, once.Headers);

        Assert.Equal("RE: Votre ordonnance [FIN]", once.Subject);
        Assert.Equal(new[] { "From", "Message-ID", "X-MSS-MES" }, once.Headers.Select(h => h.Key));
        Assert.Equal("FIN", once.Headers[^1].Value);
        Assert.Equal(once.Subject, twice.Subject);
        Assert.Equal(once.Headers, twice.Headers);
        Assert.True(ConversationClosing.Closes(once.Subject, once.Headers));
    }

    private static KeyValuePair<string, string> Header(string name, string value) => new(name, value);
}
