using System.Buffers;
using System.Text;
using OpenMss.Smtp.Protocol;

namespace OpenMss.Smtp.Tests.Protocol;

public class SmtpDataDecoderTests
{
    private sealed record Outcome(string Message, int Consumed, SmtpDataDecoder Decoder);

    // Feeds the input in chunks of every size from 1 up, so that every state boundary is crossed.
    private static Outcome Decode(string wire, int chunk = int.MaxValue, long maxSize = 1 << 20)
    {
        var input = Encoding.UTF8.GetBytes(wire);
        var output = new ArrayBufferWriter<byte>();
        var decoder = new SmtpDataDecoder();
        decoder.Reset(output, maxSize);
        var consumed = 0;
        while (consumed < input.Length && !decoder.IsComplete)
        {
            var slice = input.AsSpan(consumed, Math.Min(chunk, input.Length - consumed));
            var used = decoder.Decode(slice);
            consumed += used;
            Assert.True(used == slice.Length || decoder.IsComplete);
        }

        return new Outcome(Encoding.UTF8.GetString(output.WrittenSpan), consumed, decoder);
    }

    public static TheoryData<int> Chunks => new() { 1, 2, 3, 5, 7, 64, int.MaxValue };

    [Theory]
    [MemberData(nameof(Chunks))]
    public void Ends_at_crlf_dot_crlf_and_removes_dot_stuffing(int chunk)
    {
        var outcome = Decode("Subject: x\r\n\r\n..leading dot\r\n..\r\nmid.dle .\r\nlast\r\n.\r\nRSET\r\n", chunk);
        Assert.True(outcome.Decoder.IsComplete);
        Assert.Equal("Subject: x\r\n\r\n.leading dot\r\n.\r\nmid.dle .\r\nlast\r\n", outcome.Message);
        Assert.Equal("Subject: x\r\n\r\n..leading dot\r\n..\r\nmid.dle .\r\nlast\r\n.\r\n".Length, outcome.Consumed);
        Assert.Null(outcome.Decoder.Verdict);
        Assert.Equal(outcome.Message.Length, outcome.Decoder.Size);
    }

    [Theory]
    [MemberData(nameof(Chunks))]
    public void An_empty_message_is_just_the_end_marker(int chunk)
    {
        var outcome = Decode(".\r\n", chunk);
        Assert.True(outcome.Decoder.IsComplete);
        Assert.Equal("", outcome.Message);
    }

    [Theory]
    [MemberData(nameof(Chunks))]
    public void Bare_lf_neither_ends_lines_nor_the_message_and_refuses_it(int chunk)
    {
        // "\n.\n" and "\n.\r\n" must not end the data (SMTP smuggling).
        var outcome = Decode("a\n.\nb\n.\r\nc\r\n.\r\n", chunk);
        Assert.True(outcome.Decoder.IsComplete);
        Assert.Equal("a\n.\nb\n.\r\nc\r\n", outcome.Message);
        Assert.True(outcome.Decoder.BareLineEnding);
        Assert.Equal(SmtpReplies.BareLineEnding, outcome.Decoder.Verdict);
    }

    [Theory]
    [MemberData(nameof(Chunks))]
    public void Bare_cr_refuses_the_message(int chunk)
    {
        var outcome = Decode("a\r.\rb\r\n.\r\n", chunk);
        Assert.True(outcome.Decoder.IsComplete);
        Assert.True(outcome.Decoder.BareLineEnding);
    }

    [Fact]
    public void Dot_cr_not_followed_by_lf_is_a_bare_cr()
    {
        var outcome = Decode("x\r\n.\rmore\r\n.\r\n");
        Assert.True(outcome.Decoder.IsComplete);
        Assert.True(outcome.Decoder.BareLineEnding);
    }

    [Theory]
    [InlineData(998, false)]
    [InlineData(999, true)]
    public void Lines_over_1000_octets_with_crlf_refuse_the_message(int length, bool refused)
    {
        var outcome = Decode(new string('x', length) + "\r\n.\r\n", chunk: 100);
        Assert.True(outcome.Decoder.IsComplete);
        Assert.Equal(refused, outcome.Decoder.LineTooLong);
        Assert.Equal(refused ? SmtpReplies.MessageLineTooLong : null, outcome.Decoder.Verdict);
    }

    [Fact]
    public void A_stuffed_dot_does_not_count_in_the_line_length()
    {
        var outcome = Decode("." + new string('.', 998) + "\r\n.\r\n", chunk: 7);
        Assert.False(outcome.Decoder.LineTooLong);
        Assert.Equal(998 + 2, outcome.Message.Length);
    }

    [Theory]
    [MemberData(nameof(Chunks))]
    public void Beyond_the_limit_the_message_is_read_to_its_end_and_dropped(int chunk)
    {
        var body = string.Concat(Enumerable.Repeat(new string('y', 98) + "\r\n", 50));
        var outcome = Decode(body + ".\r\nNOOP\r\n", chunk, maxSize: 1000);
        Assert.True(outcome.Decoder.IsComplete);
        Assert.True(outcome.Decoder.TooBig);
        Assert.Equal(SmtpReplies.MessageTooBig, outcome.Decoder.Verdict);
        Assert.True(outcome.Message.Length <= 1000);
        Assert.Equal(body.Length, outcome.Decoder.Size);
        Assert.Equal(body.Length + 3, outcome.Consumed);
    }

    [Fact]
    public void Exactly_the_limit_is_accepted()
    {
        var body = new string('z', 98) + "\r\n";
        var outcome = Decode(body + ".\r\n", maxSize: body.Length);
        Assert.False(outcome.Decoder.TooBig);
        Assert.Equal(body, outcome.Message);
    }

    [Fact]
    public void Incomplete_input_is_not_complete()
    {
        var outcome = Decode("line\r\n.");
        Assert.False(outcome.Decoder.IsComplete);
        Assert.Equal("line\r\n", outcome.Message);
    }

    [Fact]
    public void Eight_bit_content_passes_through_unchanged()
    {
        var outcome = Decode("Ordonnance: paracétamol 1 g\r\n.\r\n", chunk: 3);
        Assert.Equal("Ordonnance: paracétamol 1 g\r\n", outcome.Message);
    }
}
