using System.Buffers;

namespace OpenMss.Smtp.Inbound;

/// <summary>
/// A pooled, growable buffer for one message, with room kept free in front of it so that trace
/// headers can be prepended without copying the message (the one copy is from the socket's
/// buffers into this one). The used part is cleared before the array goes back to the pool: the
/// next session must find no trace of this message's health data.
/// </summary>
internal sealed class MessageBuffer : IBufferWriter<byte>, IDisposable
{
    /// <summary>Room kept in front of the message for headers such as <c>Received:</c>.</summary>
    public const int PrefixRoom = 1024;

    private const int MinimumCapacity = 16 * 1024;
    private const int MaximumInitialCapacity = 1024 * 1024;

    private byte[] _array;
    private int _end;
    private int _prefixStart;

    public MessageBuffer(long expectedSize, long maxSize)
    {
        // The declared SIZE is only a hint, trusted up to 1 MiB: a client announcing 25 MiB and
        // then trickling must not make the server hold 25 MiB for it.
        var initial = Math.Min(Math.Max(expectedSize, MinimumCapacity), Math.Min(MaximumInitialCapacity, maxSize + 1));
        var capacity = PrefixRoom + (int)initial;
        _array = ArrayPool<byte>.Shared.Rent(capacity);
        _end = PrefixRoom;
        _prefixStart = PrefixRoom;
    }

    public ReadOnlyMemory<byte> Content => _array.AsMemory(PrefixRoom, _end - PrefixRoom);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_end + count > _array.Length)
        {
            throw new InvalidOperationException("Advanced past the buffer.");
        }

        _end += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(_end);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(_end);
    }

    public ReadOnlyMemory<byte> WithPrefix(ReadOnlySpan<byte> header)
    {
        if (header.Length <= PrefixRoom)
        {
            _prefixStart = PrefixRoom - header.Length;
            header.CopyTo(_array.AsSpan(_prefixStart));
            return _array.AsMemory(_prefixStart, _end - _prefixStart);
        }

        var copy = new byte[header.Length + _end - PrefixRoom];
        header.CopyTo(copy);
        Content.Span.CopyTo(copy.AsSpan(header.Length));
        return copy;
    }

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, []);
        if (array.Length > 0)
        {
            array.AsSpan(0, _end).Clear();
            ArrayPool<byte>.Shared.Return(array);
        }

        _end = 0;
    }

    private void Ensure(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_array.Length - _end >= needed)
        {
            return;
        }

        // Doubling keeps the total copied below the final size; the decoder never writes past
        // the message limit, so the buffer never outgrows it.
        var size = Math.Max(_array.Length * 2L, (long)_end + needed);
        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(size, Array.MaxLength));
        _array.AsSpan(0, _end).CopyTo(larger);
        _array.AsSpan(0, _end).Clear();
        ArrayPool<byte>.Shared.Return(_array);
        _array = larger;
    }
}
