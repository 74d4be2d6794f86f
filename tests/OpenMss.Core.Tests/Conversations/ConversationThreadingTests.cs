using OpenMss.Core.Conversations;

namespace OpenMss.Core.Tests.Conversations;

public class ConversationThreadingTests
{
    [Theory]
    [InlineData("<b@pharmacie>", new[] { "<root@pharmacie>", "<a@pharmacie>" }, new[] { "b@pharmacie", "a@pharmacie", "root@pharmacie" })]
    [InlineData("<b@pharmacie> <c@x>", new string[0], new[] { "b@pharmacie", "c@x" })]
    [InlineData(null, new[] { "<root@pharmacie> <a@pharmacie>", "<b@pharmacie>" }, new[] { "b@pharmacie", "a@pharmacie", "root@pharmacie" })]
    [InlineData("<a@pharmacie>", new[] { "<root@pharmacie>", "<a@pharmacie>" }, new[] { "a@pharmacie", "root@pharmacie" })]
    [InlineData("a@pharmacie", new[] { " root@pharmacie " }, new[] { "a@pharmacie", "root@pharmacie" })]
    [InlineData("<>", new[] { "not an id", "<>" }, new string[0])]
    [InlineData(null, null, new string[0])]
    public void Cited_ids_are_tried_nearest_first(string? inReplyTo, string[]? references, string[] expected) =>
        Assert.Equal(expected, ConversationThreading.CitedIds(inReplyTo, references));

    [Fact]
    public void At_most_a_bounded_number_of_ids_are_tried()
    {
        var references = Enumerable.Range(0, 1000).Select(i => $"<{i}@x>").ToList();

        var cited = ConversationThreading.CitedIds("<parent@x>", references);

        Assert.Equal(ConversationThreading.MaxCitedIds, cited.Count);
        Assert.Equal("parent@x", cited[0]);
        Assert.Equal("999@x", cited[1]);
    }

    [Fact]
    public void The_conversation_is_named_by_the_first_cited_id_the_patient_received_from_that_mailbox()
    {
        var receivedFromPharmacy = new HashSet<string>(StringComparer.Ordinal) { "root@pharmacie", "a@pharmacie" };

        // A reply to the pharmacy's latest message.
        Assert.Equal("a@pharmacie", Root("<a@pharmacie>", ["<root@pharmacie>"], receivedFromPharmacy));

        // A forged In-Reply-To in front of genuine References does not divert the message.
        Assert.Equal("a@pharmacie", Root("<forged@pharmacie>", ["<root@pharmacie>", "<a@pharmacie>"], receivedFromPharmacy));

        // A client that keeps only References.
        Assert.Equal("root@pharmacie", Root(null, ["<root@pharmacie>"], receivedFromPharmacy));
    }

    [Theory]
    [InlineData("<forged@pharmacie>")]
    [InlineData("<message-from-another-mailbox@medecin>")]
    [InlineData("<A@PHARMACIE>")]
    [InlineData(null)]
    public void A_forged_or_foreign_citation_starts_nothing(string? inReplyTo)
    {
        var receivedFromPharmacy = new HashSet<string>(StringComparer.Ordinal) { "a@pharmacie" };

        Assert.Null(Root(inReplyTo, [], receivedFromPharmacy));
    }

    [Theory]
    [InlineData("<a@b>", "a@b")]
    [InlineData("  <a@b>  ", "a@b")]
    [InlineData("< a@b >", "a@b")]
    [InlineData("a@b", "a@b")]
    [InlineData("<a@b", "<a@b")]
    public void Identifiers_are_compared_without_their_brackets(string id, string expected) =>
        Assert.Equal(expected, ConversationThreading.Normalize(id));

    private static string? Root(string? inReplyTo, IEnumerable<string> references, HashSet<string> received) =>
        ConversationThreading.ConversationRoot(ConversationThreading.CitedIds(inReplyTo, references), received.Contains);
}
