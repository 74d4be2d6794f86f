using System.Text;
using OpenMss.Imap.Protocol;

namespace OpenMss.Imap.Tests.Protocol;

/// <summary>Random and mutated input: the parsers answer with a reason, they never throw.</summary>
public class FuzzTests
{
    private static readonly string[] Seeds =
    [
        "a1 UID FETCH 1:*,7 (FLAGS BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]<0.100> BODYSTRUCTURE)",
        "a2 SEARCH CHARSET UTF-8 OR (FROM \"x\" SINCE 1-Jan-2025) NOT BODY {3}",
        "a3 STORE 1:3 +FLAGS.SILENT (\\Seen $Urgent)",
        "a4 APPEND \"Envoy&AOk-s\" (\\Draft) \"05-Mar-2025 09:08:07 +0100\" {5+}",
        "a5 LIST (SPECIAL-USE) \"\" \"*\" RETURN (CHILDREN)",
    ];

    [Fact]
    public void Mutated_commands_never_throw()
    {
        var random = new Random(3501);
        const string Alphabet = "()[]<>{}\"\\ *%:,.+-0123456789ABCabc\r\n\u00e9\u0000";
        for (var round = 0; round < 20_000; round++)
        {
            var chars = Seeds[round % Seeds.Length].ToCharArray().ToList();
            var mutations = random.Next(1, 6);
            for (var m = 0; m < mutations; m++)
            {
                var position = random.Next(chars.Count + 1);
                switch (random.Next(3))
                {
                    case 0 when chars.Count > 0 && position < chars.Count:
                        chars.RemoveAt(position);
                        break;
                    case 1:
                        chars.Insert(position, Alphabet[random.Next(Alphabet.Length)]);
                        break;
                    default:
                        if (position < chars.Count)
                        {
                            chars[position] = Alphabet[random.Next(Alphabet.Length)];
                        }

                        break;
                }
            }

            var line = Encoding.UTF8.GetBytes(new string([.. chars]));
            ImapCommandParser.TryGetLiteralAnnouncement(line, out _, out _);
            ImapCommandParser.PeekTag(line);
            List<byte[]> literals = random.Next(2) == 0 ? [] : [Encoding.ASCII.GetBytes("abc")];
            if (ImapCommandParser.TryParse([line, []], literals, out var command, out _) && command!.Arguments.Count > 0)
            {
                FetchRequest.TryParse(command.Arguments[^1], out _, out _);
                SearchQuery.TryParse(command.Arguments, out _, out _, out _);
                SequenceSet.TryParse(command.Arguments[0].Text, out _);
                ModifiedUtf7.TryDecode(command.Arguments[0].Text, out _);
            }
        }
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(9051);
        var buffer = new byte[200];
        for (var round = 0; round < 20_000; round++)
        {
            random.NextBytes(buffer);
            var line = buffer.AsSpan(0, random.Next(buffer.Length)).ToArray();
            Assert.False(ImapCommandParser.TryParse([line], [], out var command, out var error) && command is null);
            _ = error;
        }
    }
}
