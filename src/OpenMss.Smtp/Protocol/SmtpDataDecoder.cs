using System.Buffers;

namespace OpenMss.Smtp.Protocol;

/// <summary>
/// Decodes the message text that follows <c>354</c> (RFC 5321 §4.1.1.4, §4.5.2): finds the end
/// marker <c>CRLF.CRLF</c>, removes dot-stuffing, enforces the size limit and checks line lengths
/// and line endings, writing the message into an <see cref="IBufferWriter{T}"/> as it arrives.
/// </summary>
/// <remarks>
/// <para>Memory stays bounded whatever the client sends: nothing is buffered here, and once the
/// message exceeds <c>maxSize</c> the rest is read and dropped until the end marker, so that the
/// session can answer <c>552 5.3.4</c> in sequence and continue (RFC 1870 §6.4).</para>
/// <para>Line endings: only <c>CRLF.CRLF</c> ends the message. A bare LF or bare CR (RFC 5321
/// §2.3.8) is not taken as a line break — "<c>LF.LF</c>" or "<c>LF.CRLF</c>" do not end the
/// data — and the message is refused at the end (<see cref="SmtpReplies.BareLineEnding"/>):
/// any other choice lets a sender smuggle a second message past another MTA that reads line
/// endings differently (SMTP smuggling, 2023).</para>
/// <para>Line length: a line longer than 1000 octets including CRLF (RFC 5321 §4.5.3.1.6,
/// counted after removing the stuffed dot) makes the message refused at the end
/// (<see cref="SmtpReplies.MessageLineTooLong"/>); it is not folded, since changing a signed
/// document would break it.</para>
/// <para>Hot path: runs of ordinary lines are copied in one block per input segment, lines are
/// found with a vectorised search, and no allocation happens per line.</para>
/// </remarks>
public sealed class SmtpDataDecoder
{
    /// <summary>RFC 5321 §4.5.3.1.6: maximum text line length, CRLF included.</summary>
    public const int MaxLineLength = 1000;

    private enum State
    {
        LineStart,
        Dot,
        DotCr,
        InLine,
        Cr,
    }

    private IBufferWriter<byte>? _output;
    private long _maxSize;
    private State _state;
    private int _lineLength;

    /// <summary>Prepares the decoder for a new message.</summary>
    /// <param name="output">Where the unstuffed message goes.</param>
    /// <param name="maxSize">Octets stored at most; beyond, the message is read to its end and dropped.</param>
    public void Reset(IBufferWriter<byte> output, long maxSize)
    {
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _maxSize = maxSize;
        _state = State.LineStart;
        _lineLength = 0;
        Size = 0;
        IsComplete = false;
        TooBig = false;
        LineTooLong = false;
        BareLineEnding = false;
    }

    /// <summary>Octets of the message seen so far (dot-stuffing removed), stored or not.</summary>
    public long Size { get; private set; }

    /// <summary>The end marker has been read.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>The message exceeded the size limit; what was written to the output is incomplete.</summary>
    public bool TooBig { get; private set; }

    /// <summary>A line exceeded <see cref="MaxLineLength"/>.</summary>
    public bool LineTooLong { get; private set; }

    /// <summary>A bare CR or LF was seen.</summary>
    public bool BareLineEnding { get; private set; }

    /// <summary>Null when the message may be handed to the policy, else the reply that refuses it.</summary>
    public SmtpReply? Verdict =>
        TooBig ? SmtpReplies.MessageTooBig
        : LineTooLong ? SmtpReplies.MessageLineTooLong
        : BareLineEnding ? SmtpReplies.BareLineEnding
        : null;

    /// <summary>
    /// Decodes <paramref name="input"/>; returns how many octets were consumed. Fewer than the
    /// input only when the end marker was found (<see cref="IsComplete"/>): what follows it
    /// belongs to the next command.
    /// </summary>
    public int Decode(ReadOnlySpan<byte> input)
    {
        if (_output is null)
        {
            throw new InvalidOperationException("Call Reset before Decode.");
        }

        if (IsComplete)
        {
            return 0;
        }

        var i = 0;
        var runStart = 0;
        while (i < input.Length)
        {
            switch (_state)
            {
                case State.LineStart:
                    if (input[i] == (byte)'.')
                    {
                        // The dot is either stuffing or the start of the end marker: not part of the run.
                        Emit(input[runStart..i]);
                        i++;
                        runStart = i;
                        _lineLength = 1;
                        _state = State.Dot;
                    }
                    else
                    {
                        _state = State.InLine;
                    }

                    break;

                case State.Dot:
                    if (input[i] == (byte)'\r')
                    {
                        // Possibly the end marker: hold the CR back until the LF is seen.
                        Emit(input[runStart..i]);
                        i++;
                        runStart = i;
                        _lineLength = 2;
                        _state = State.DotCr;
                    }
                    else
                    {
                        // RFC 5321 §4.5.2: a leading dot followed by text was stuffing; it is dropped
                        // and does not count in the line length.
                        _lineLength = 0;
                        _state = State.InLine;
                    }

                    break;

                case State.DotCr:
                    if (input[i] == (byte)'\n')
                    {
                        IsComplete = true;
                        return i + 1;
                    }

                    // "." CR followed by something else: a bare CR. The held-back CR is data.
                    BareLineEnding = true;
                    Emit("\r"u8);
                    runStart = i;
                    _state = State.InLine;
                    break;

                case State.Cr:
                    if (input[i] == (byte)'\n')
                    {
                        i++;
                        EndLine();
                    }
                    else
                    {
                        BareLineEnding = true;
                        _state = State.InLine;
                    }

                    break;

                default: // InLine
                    var rest = input[i..];
                    var found = rest.IndexOfAny((byte)'\r', (byte)'\n');
                    if (found < 0)
                    {
                        AddToLine(rest.Length);
                        i = input.Length;
                        break;
                    }

                    AddToLine(found + 1);
                    i += found + 1;
                    if (rest[found] == (byte)'\n')
                    {
                        BareLineEnding = true;
                    }
                    else if (found + 1 < rest.Length)
                    {
                        if (rest[found + 1] == (byte)'\n')
                        {
                            i++;
                            EndLine();
                        }
                        else
                        {
                            BareLineEnding = true;
                        }
                    }
                    else
                    {
                        _state = State.Cr;
                    }

                    break;
            }
        }

        Emit(input[runStart..]);
        return input.Length;
    }

    // Saturates: a client streaming gigabytes without a line break must not wrap the counter.
    private void AddToLine(int count)
    {
        _lineLength += count;
        if (_lineLength > MaxLineLength)
        {
            LineTooLong = true;
            _lineLength = MaxLineLength + 1;
        }
    }

    private void EndLine()
    {
        _lineLength++;
        if (_lineLength > MaxLineLength)
        {
            LineTooLong = true;
        }

        _lineLength = 0;
        _state = State.LineStart;
    }

    private void Emit(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        Size += data.Length;
        if (TooBig)
        {
            return;
        }

        if (Size > _maxSize)
        {
            TooBig = true;
            return;
        }

        _output!.Write(data);
    }
}
