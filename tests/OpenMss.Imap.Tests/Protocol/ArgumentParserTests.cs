using System.Text;
using OpenMss.Imap.Protocol;

namespace OpenMss.Imap.Tests.Protocol;

public class SequenceSetTests
{
    [Theory]
    [InlineData("1", 1, 10, true)]
    [InlineData("1:3", 2, 10, true)]
    [InlineData("3:1", 2, 10, true)]
    [InlineData("1:3,7", 5, 10, false)]
    [InlineData("1:3,7", 7, 10, true)]
    [InlineData("*", 10, 10, true)]
    [InlineData("*", 9, 10, false)]
    [InlineData("5:*", 10, 10, true)]
    [InlineData("*:5", 7, 10, true)]
    [InlineData("20:*", 10, 10, true)]
    public void Sets_contain_what_they_say(string text, long value, long largest, bool expected)
    {
        Assert.True(SequenceSet.TryParse(text, out var set));
        Assert.Equal(expected, set!.Contains(value, largest));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("01")]
    [InlineData("1:")]
    [InlineData("a")]
    [InlineData("1,,2")]
    [InlineData("-1")]
    [InlineData("4294967296")]
    public void Invalid_sets_are_refused(string text)
    {
        Assert.False(SequenceSet.TryParse(text, out _));
    }

    [Fact]
    public void Numbers_are_compacted_into_ranges()
    {
        Assert.Equal("1:3,5,7:8", SequenceSet.Compact([1, 2, 3, 5, 7, 8]));
        Assert.Equal(string.Empty, SequenceSet.Compact([]));
    }
}

public class FetchRequestTests
{
    private static IReadOnlyList<FetchItem> Parse(string text)
    {
        List<byte[]> lines = [Encoding.ASCII.GetBytes("a FETCH 1 " + text)];
        var literals = new List<byte[]>();
        Assert.True(ImapCommandParser.TryParse(lines, literals, out var command, out var error), error);
        Assert.True(FetchRequest.TryParse(command!.Arguments[1], out var items, out error), error);
        return items;
    }

    [Fact]
    public void Macros_expand()
    {
        Assert.Equal([FetchItemKind.Flags, FetchItemKind.InternalDate, FetchItemKind.Rfc822Size, FetchItemKind.Envelope], Parse("ALL").Select(i => i.Kind));
        Assert.Equal([FetchItemKind.Flags, FetchItemKind.InternalDate, FetchItemKind.Rfc822Size], Parse("FAST").Select(i => i.Kind));
        Assert.Equal(5, Parse("FULL").Count);
    }

    [Fact]
    public void Items_and_sections_are_parsed()
    {
        var items = Parse("(UID RFC822.SIZE BODYSTRUCTURE BODY[] BODY.PEEK[1.2.MIME] BODY[HEADER.FIELDS.NOT (Received)]<10.20> RFC822.HEADER)");

        Assert.Equal(FetchItemKind.Uid, items[0].Kind);
        Assert.Equal(FetchItemKind.BodyStructure, items[2].Kind);
        Assert.Equal("BODY[]", items[3].Section!.ResponseLabel);
        Assert.False(items[3].Section!.Peek);
        Assert.True(items[4].Section!.Peek);
        Assert.Equal([1, 2], items[4].Section!.Part);
        Assert.Equal("MIME", items[4].Section!.Specifier);
        Assert.Equal("HEADER.FIELDS.NOT", items[5].Section!.Specifier);
        Assert.Equal(["RECEIVED"], items[5].Section!.Fields);
        Assert.Equal(10, items[5].Section!.PartialStart);
        Assert.Equal(20, items[5].Section!.PartialLength);
        Assert.Equal("BODY[HEADER.FIELDS.NOT (RECEIVED)]<10>", items[5].Section!.ResponseLabel);
        Assert.Equal(FetchItemKind.Rfc822Header, items[6].Kind);
    }

    [Theory]
    [InlineData("(ALL)")]
    [InlineData("NOPE")]
    [InlineData("BODY[BOGUS]")]
    [InlineData("BODY[MIME]")]
    [InlineData("BODY[HEADER.FIELDS]")]
    [InlineData("BODY[]<1>")]
    [InlineData("BODY[]<1.0>")]
    [InlineData("BODY[0]")]
    [InlineData("()")]
    [InlineData("\"FLAGS\"")]
    public void Invalid_items_are_refused(string text)
    {
        List<byte[]> lines = [Encoding.ASCII.GetBytes("a FETCH 1 " + text)];
        var literals = new List<byte[]>();
        Assert.True(ImapCommandParser.TryParse(lines, literals, out var command, out _));
        Assert.False(FetchRequest.TryParse(command!.Arguments[1], out _, out var error));
        Assert.NotEmpty(error);
    }
}

public class SearchQueryTests
{
    private static (SearchKey? Key, string Error, bool BadCharset) Parse(string text)
    {
        Assert.True(ImapCommandParser.TryParse([Encoding.UTF8.GetBytes("a SEARCH " + text)], [], out var command, out var error), error);
        var ok = SearchQuery.TryParse(command!.Arguments, out var key, out error, out var badCharset);
        return (ok ? key : null, error, badCharset);
    }

    [Fact]
    public void Every_rfc3501_key_is_understood()
    {
        var text = "CHARSET UTF-8 ALL ANSWERED BCC x BEFORE 1-Feb-2025 BODY y CC z DELETED DRAFT FLAGGED FROM a HEADER X-Test b KEYWORD $k " +
                   "LARGER 10 NEW NOT SEEN OLD ON 2-Mar-2025 OR SEEN UNSEEN RECENT SEEN SENTBEFORE 1-Jan-2025 SENTON 1-Jan-2025 SENTSINCE 1-Jan-2025 " +
                   "SINCE 1-Jan-2025 SMALLER 100 SUBJECT \"ordonnance renouvelée\" TEXT t TO u UID 1:* UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD $j UNSEEN 1:3 (FLAGGED SEEN)";
        var (key, error, _) = Parse(text);

        Assert.True(key is not null, error);
        Assert.Equal("AND", key!.Name);
        Assert.Contains(key.Children, k => k.Name == "SUBJECT" && k.Text == "ordonnance renouvelée");
        Assert.Contains(key.Children, k => k.Name == "HEADER" && k.Field == "X-Test" && k.Text == "b");
        Assert.Contains(key.Children, k => k.Name == "BEFORE" && k.Date == new DateOnly(2025, 2, 1));
        Assert.Contains(key.Children, k => k.Name == "OR" && k.Children.Count == 2);
        Assert.Contains(key.Children, k => k.Name == "SET");
        Assert.Contains(key.Children, k => k.Name == "AND" && k.Children.Count == 2);
    }

    [Fact]
    public void Other_charsets_are_refused_with_badcharset()
    {
        var (key, _, badCharset) = Parse("CHARSET ISO-8859-15 ALL");
        Assert.Null(key);
        Assert.True(badCharset);
    }

    [Theory]
    [InlineData("BOGUS")]
    [InlineData("FROM")]
    [InlineData("BEFORE 31-Feb-2025")]
    [InlineData("BEFORE yesterday")]
    [InlineData("LARGER x")]
    [InlineData("OR SEEN")]
    [InlineData("NOT")]
    [InlineData("()")]
    [InlineData("CHARSET UTF-8")]
    public void Malformed_criteria_are_refused(string text)
    {
        var (key, error, badCharset) = Parse(text);
        Assert.Null(key);
        Assert.False(badCharset);
        Assert.NotEmpty(error);
    }
}

public class ModifiedUtf7Tests
{
    [Theory]
    [InlineData("INBOX", "INBOX")]
    [InlineData("Envoyés", "Envoy&AOk-s")]
    [InlineData("R&D", "R&-D")]
    [InlineData("日本語", "&ZeVnLIqe-")]
    [InlineData("Patients/Résultats", "Patients/R&AOk-sultats")]
    public void Names_round_trip(string name, string encoded)
    {
        Assert.Equal(encoded, ModifiedUtf7.Encode(name));
        Assert.True(ModifiedUtf7.TryDecode(encoded, out var decoded));
        Assert.Equal(name, decoded);
    }

    [Theory]
    [InlineData("&AOk")]
    [InlineData("&!!!-")]
    [InlineData("&AO-")]
    public void Invalid_encodings_are_refused(string encoded)
    {
        Assert.False(ModifiedUtf7.TryDecode(encoded, out _));
    }
}
