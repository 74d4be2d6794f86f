using System.Text;
using OpenMss.Imap.Protocol;

namespace OpenMss.Imap.Tests.Protocol;

public class ImapCommandParserTests
{
    private static ImapCommand Parse(string line, params string[] literals)
    {
        var (lines, lits) = Split(line, literals);
        Assert.True(ImapCommandParser.TryParse(lines, lits, out var command, out var error), error);
        return command!;
    }

    private static string Error(string line, params string[] literals)
    {
        var (lines, lits) = Split(line, literals);
        Assert.False(ImapCommandParser.TryParse(lines, lits, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
        return error;
    }

    // A line with "\n" separating the pieces that follow each literal.
    private static (List<byte[]>, List<byte[]>) Split(string line, string[] literals) =>
        (line.Split('\n').Select(Encoding.UTF8.GetBytes).ToList(), literals.Select(Encoding.UTF8.GetBytes).ToList());

    [Fact]
    public void A_simple_command_has_its_tag_name_and_arguments()
    {
        var command = Parse("a1 login dr.martin \"mot de \\\"passe\\\"\"");

        Assert.Equal("a1", command.Tag);
        Assert.Equal("LOGIN", command.Name);
        Assert.False(command.Uid);
        Assert.Equal("dr.martin", command.Arguments[0].Text);
        Assert.Equal(ImapNodeKind.Atom, command.Arguments[0].Kind);
        Assert.Equal("mot de \"passe\"", command.Arguments[1].Text);
        Assert.Equal(ImapNodeKind.QuotedString, command.Arguments[1].Kind);
    }

    [Fact]
    public void Uid_commands_and_lists_and_fetch_sections_are_parsed()
    {
        var command = Parse("A2 UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]<0.100> UID)");

        Assert.True(command.Uid);
        Assert.Equal("FETCH", command.Name);
        Assert.Equal("1:*", command.Arguments[0].Text);
        var list = command.Arguments[1];
        Assert.Equal(ImapNodeKind.List, list.Kind);
        Assert.Equal(["FLAGS", "BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]<0.100>", "UID"], list.Children.Select(c => c.Text));
    }

    [Fact]
    public void Literals_are_taken_between_lines()
    {
        var command = Parse("a3 APPEND INBOX (\\Seen) {11}\n", "Hello\r\nWorld");

        Assert.Equal("APPEND", command.Name);
        Assert.Equal(ImapNodeKind.Literal, command.Arguments[2].Kind);
        Assert.Equal("Hello\r\nWorld", command.Arguments[2].Text);
        Assert.Equal(@"\Seen", command.Arguments[1].Children[0].Text);
    }

    [Fact]
    public void Several_literals_and_literal_plus_are_accepted()
    {
        var command = Parse("a LOGIN {5+}\n {3}\n", "alice", "pwd");

        Assert.Equal(["alice", "pwd"], command.Arguments.Select(a => a.Text));
    }

    [Theory]
    [InlineData("a {10}", 10, false)]
    [InlineData("a {10+}", 10, true)]
    [InlineData("a APPEND INBOX {52428800}", 52428800, false)]
    public void Literal_announcements_are_recognised(string line, long size, bool nonSync)
    {
        Assert.True(ImapCommandParser.TryGetLiteralAnnouncement(Encoding.ASCII.GetBytes(line), out var parsed, out var plus));
        Assert.Equal(size, parsed);
        Assert.Equal(nonSync, plus);
    }

    [Theory]
    [InlineData("a {}")]
    [InlineData("a {-1}")]
    [InlineData("a {1x}")]
    [InlineData("a {99999999999999999999}")]
    [InlineData("a LOGIN x y")]
    public void Non_announcements_are_not_literals(string line)
    {
        Assert.False(ImapCommandParser.TryGetLiteralAnnouncement(Encoding.ASCII.GetBytes(line), out _, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a1")]
    [InlineData("a1  NOOP")]
    [InlineData("+ NOOP")]
    [InlineData("a1 LOGIN \"unterminated")]
    [InlineData("a1 LOGIN \"bad\\escape\"")]
    [InlineData("a1 FETCH 1 (FLAGS")]
    [InlineData("a1 FETCH 1 FLAGS)")]
    [InlineData("a1 FETCH 1 BODY[HEADER")]
    [InlineData("a1 X ]")]
    [InlineData("a1 LOGIN {5}")]
    [InlineData("\u0001\u0002\u0003 garbage")]
    [InlineData("a1 NOOP ")]
    public void Malformed_commands_give_a_reason_not_an_exception(string line)
    {
        Error(line);
    }

    [Fact]
    public void Deeply_nested_lists_are_refused()
    {
        Error("a1 SEARCH " + new string('(', 100) + "ALL" + new string(')', 100));
    }

    [Theory]
    [InlineData("a1 NOOP", "a1")]
    [InlineData("garbage", "garbage")]
    [InlineData("{bad} x", "*")]
    [InlineData("", "*")]
    public void The_tag_of_a_bad_line_is_found_for_the_reply(string line, string tag)
    {
        Assert.Equal(tag, ImapCommandParser.PeekTag(Encoding.ASCII.GetBytes(line)));
    }
}
