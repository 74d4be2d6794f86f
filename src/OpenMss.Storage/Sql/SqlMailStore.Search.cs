using System.Runtime.CompilerServices;
using System.Text;
using OpenMss.Storage.Search;

namespace OpenMss.Storage.Sql;

/// <summary>The SEARCH and multi-message FETCH reads of the store (see <c>IMessageStore.cs</c>).</summary>
internal abstract partial class SqlMailStore
{
    // Few enough parameters for any backend, enough messages per round trip that FETCH of
    // thousands of headers is a handful of queries.
    private const int ReadChunk = 256;
    private const long ChunkBytes = 16 * 1024 * 1024;

    // Sealed apart from the whole text, so that one cannot be passed off as the other.
    internal const string SearchHeadPurpose = "openmss/search-head/v1";

    // Search texts are a few KiB: a dense range of this many is one query of a few MiB.
    private const int TextRangeChunk = 2048;

    public async Task<IReadOnlyList<IReadOnlySet<long>?>> FindTextCandidatesAsync(long folderId, IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var probes = texts.Select(SearchFilters.Probe).ToArray();
        var sets = probes.Select(p => p is null ? null : new HashSet<long>()).ToArray();
        if (sets.All(s => s is null))
        {
            return sets;
        }

        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var reader = await session.Command("SELECT uid, search_filter FROM messages WHERE folder_id = @folder")
                .With("folder", folderId)
                .ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var uid = reader.GetInt64(0);
                    if (reader.IsDBNull(1))
                    {
                        // Stored before the filters existed: only the scan can tell.
                        foreach (var set in sets)
                        {
                            set?.Add(uid);
                        }

                        continue;
                    }

                    // (Microsoft.Data.Sqlite's chunked GetBytes opens a blob handle per call: 50x slower.)
                    var filter = reader.GetBytes(1);
                    for (var i = 0; i < probes.Length; i++)
                    {
                        if (probes[i] is { } probe && SearchFilter.MayContain(filter, probe))
                        {
                            sets[i]!.Add(uid);
                        }
                    }
                }
            }
        }

        return sets;
    }

    public IAsyncEnumerable<StoredMessageContent> ReadMessagesAsync(long folderId, IReadOnlyList<long> uids, CancellationToken cancellationToken = default) =>
        ReadChunkedAsync(
            folderId,
            uids,
            "SELECT m.uid, b.data FROM messages m JOIN message_blobs b ON b.id = m.blob_id WHERE m.folder_id = @folder AND ",
            reader => new StoredMessageContent(reader.GetInt64(0), Cipher.Decrypt(reader.GetBytes(1), MessagePurpose)),
            content => content.Raw.Length,
            cancellationToken);

    public IAsyncEnumerable<SearchText> ReadSearchTextHeadsAsync(long folderId, IReadOnlyList<long> uids, CancellationToken cancellationToken = default) =>
        ReadChunkedAsync(
            folderId,
            uids,
            "SELECT m.uid, h.data FROM messages m JOIN message_search_heads h ON h.blob_id = m.blob_id WHERE m.folder_id = @folder AND ",
            reader => SearchText.Deserialize(reader.GetInt64(0), Cipher.Decrypt(reader.GetBytes(1), SearchHeadPurpose)),
            text => text.Size,
            cancellationToken,
            TextRangeChunk);

    public IAsyncEnumerable<SearchText> ReadSearchTextsAsync(long folderId, IReadOnlyList<long> uids, CancellationToken cancellationToken = default) =>
        ReadChunkedAsync(
            folderId,
            uids,
            "SELECT m.uid, t.data FROM messages m JOIN message_search_texts t ON t.blob_id = m.blob_id WHERE m.folder_id = @folder AND ",
            reader =>
            {
                var plain = Cipher.Decrypt(reader.GetBytes(1), SearchTextPurpose);
                return SearchText.Deserialize(reader.GetInt64(0), plain);
            },
            text => text.Size,
            cancellationToken,
            TextRangeChunk);

    /// <summary>
    /// Rows of <paramref name="select"/> (ending in <c>AND </c>, the UID condition is appended) for
    /// the given UIDs in ascending order. Each chunk is read whole and its connection given back
    /// before the caller sees a row: a slow client never holds a reader connection, and a caller
    /// reading other things meanwhile (FETCH reads envelopes too) cannot starve the pool. A chunk
    /// stops early past <see cref="ChunkBytes"/>, so that large messages do not pile up in memory.
    /// </summary>
    /// <remarks>
    /// A chunk is read as a UID range when at least half the UIDs of that range are wanted (a
    /// search for a common word: nearly every message is a candidate), the rows in between skipped
    /// before <paramref name="map"/> (nothing decrypted): one index range scan instead of a probe per
    /// UID and hundreds of bound parameters. Sparse UIDs go as an <c>IN</c> list of
    /// <see cref="ReadChunk"/>.
    /// </remarks>
    private async IAsyncEnumerable<T> ReadChunkedAsync<T>(
        long folderId, IReadOnlyList<long> uids, string select, Func<System.Data.Common.DbDataReader, T?> map, Func<T, long> size,
        [EnumeratorCancellation] CancellationToken cancellationToken, int rangeChunk = ReadChunk)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(uids);
        var ordered = uids.Distinct().Order().ToArray();
        var position = 0;
        while (position < ordered.Length)
        {
            var count = Math.Min(rangeChunk, ordered.Length - position);
            var range = (ordered[position + count - 1] - ordered[position] + 1) <= 2L * count;
            if (!range)
            {
                count = Math.Min(ReadChunk, count);
                range = ordered[position + count - 1] - ordered[position] + 1 == count;
            }

            var chunk = ordered.AsSpan(position, count).ToArray();
            var rows = new List<(long Uid, T? Row)>(chunk.Length);
            long bytes = 0;
            var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (session.ConfigureAwait(false))
            {
                var sql = new StringBuilder(select);
                var command = session.Command(string.Empty).With("folder", folderId);
                if (range)
                {
                    sql.Append("m.uid BETWEEN @first AND @last");
                    command.With("first", chunk[0]).With("last", chunk[^1]);
                }
                else
                {
                    sql.Append("m.uid IN (");
                    for (var i = 0; i < chunk.Length; i++)
                    {
                        sql.Append(i == 0 ? "@u" : ", @u").Append(i);
                        command.With("u" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), chunk[i]);
                    }

                    sql.Append(')');
                }

                sql.Append(" ORDER BY m.uid");
                command.CommandText = sql.ToString();
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    var wanted = 0;
                    while (bytes < ChunkBytes && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var uid = reader.GetInt64(0);
                        while (wanted < chunk.Length && chunk[wanted] < uid)
                        {
                            wanted++;
                        }

                        if (wanted == chunk.Length || chunk[wanted] != uid)
                        {
                            // In the range but not asked for.
                            continue;
                        }

                        var row = map(reader);
                        rows.Add((uid, row));
                        bytes += row is null ? 0 : size(row);
                    }
                }
            }

            position = bytes >= ChunkBytes && rows.Count > 0
                ? Array.BinarySearch(ordered, rows[^1].Uid) + 1
                : position + chunk.Length;
            foreach (var (_, row) in rows)
            {
                if (row is not null)
                {
                    yield return row;
                }
            }
        }
    }
}
