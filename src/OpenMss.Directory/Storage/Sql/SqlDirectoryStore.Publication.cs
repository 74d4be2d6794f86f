using System.Data.Common;
using System.Globalization;
using OpenMss.Storage.Sql;

namespace OpenMss.Directory.Storage.Sql;

/// <summary>The publication and deletion of single entries, with their name terms.</summary>
internal abstract partial class SqlDirectoryStore
{
    // ---- Publication ---------------------------------------------------------------------------

    public async Task<PublishOutcome> PublishAsync(DirectoryEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginWriteAsync(connection, cancellationToken);
        var existing = await RemoveAsync(connection, transaction, entry.Address, cancellationToken);
        var id = existing is { Source: EntrySource.Publication } ? existing.Value.Id : await NextPublicationIdAsync(connection, transaction, cancellationToken);
        var stored = entry with { Source = EntrySource.Publication, UpdatedAt = Time.GetUtcNow() };
        await using (var insert = connection.Command(EntryRow.InsertSql(Mailboxes), transaction))
        {
            var values = EntryRow.Values(id, stored);
            for (var i = 0; i < values.Length; i++)
            {
                insert.With("p" + i.ToString(CultureInfo.InvariantCulture), values[i]);
            }

            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await WriteTermsAsync(connection, transaction, Terms, id, stored, cancellationToken);
        foreach (var structure in new[] { existing?.StructureKey, stored.Structure?.Key }.Where(k => k is not null).Distinct())
        {
            await connection.ExecuteAsync(PharmacyFlagSql, transaction, cancellationToken, ("st", structure));
        }

        await transaction.CommitAsync(cancellationToken);
        return existing is null ? PublishOutcome.Created : PublishOutcome.Updated;
    }

    public async Task<bool> DeleteAsync(string address, CancellationToken cancellationToken = default)
    {
        var normalized = NormalizeAddress(address);
        if (normalized is null)
        {
            return false;
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginWriteAsync(connection, cancellationToken);
        var existing = await RemoveAsync(connection, transaction, normalized, cancellationToken);
        if (existing?.StructureKey is { } structure)
        {
            await connection.ExecuteAsync(PharmacyFlagSql, transaction, cancellationToken, ("st", structure));
        }

        await transaction.CommitAsync(cancellationToken);
        return existing is not null;
    }

    /// <summary>A write transaction (SQLite: takes the write lock at once, so two writers queue instead of failing).</summary>
    protected virtual async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken);

    /// <summary>Deletes an entry and its terms; returns its id, source and structure when there was one.</summary>
    private static async Task<(long Id, EntrySource Source, string? StructureKey)?> RemoveAsync(DbConnection connection, DbTransaction transaction, string address, CancellationToken cancellationToken)
    {
        long id;
        DirectoryEntry old;
        await using (var find = connection.Command($"{SelectEntries} WHERE m.address = @address", transaction).With("address", address))
        await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            id = reader.GetInt64(0);
            old = EntryRow.Read(reader);
        }

        foreach (var (word, field) in TermsOf(old))
        {
            await connection.ExecuteAsync($"DELETE FROM {Terms} WHERE term = @term AND mailbox_id = @id AND field = @field", transaction, cancellationToken,
                ("term", word), ("id", id), ("field", field));
            await connection.ExecuteAsync($"UPDATE {TermStats} SET n = n - 1 WHERE term = @term AND field = @field", transaction, cancellationToken,
                ("term", word), ("field", field));
        }

        await connection.ExecuteAsync($"DELETE FROM {Mailboxes} WHERE id = @id", transaction, cancellationToken, ("id", id));
        return (id, old.Source, old.Structure?.Key);
    }

    internal static IEnumerable<(string Word, int Field)> TermsOf(DirectoryEntry entry) =>
        EntryRow.ProfessionalWords(entry).Select(w => (w, EntryRow.ProfessionalField))
            .Concat(EntryRow.StructureWords(entry).Select(w => (w, EntryRow.StructureField)))
            .Concat(EntryRow.TownWords(entry).Select(w => (w, EntryRow.TownField)));

    protected static async Task WriteTermsAsync(DbConnection connection, DbTransaction transaction, string table, long id, DirectoryEntry entry, CancellationToken cancellationToken)
    {
        foreach (var (word, field) in TermsOf(entry))
        {
            await connection.ExecuteAsync($"INSERT INTO {table} (term, mailbox_id, field) VALUES (@term, @id, @field)", transaction, cancellationToken,
                ("term", word), ("id", id), ("field", field));
            await connection.ExecuteAsync(
                $"INSERT INTO {TermStats} (term, field, n) VALUES (@term, @field, 1) ON CONFLICT (term, field) DO UPDATE SET n = {TermStats}.n + 1",
                transaction, cancellationToken, ("term", word), ("field", field));
        }
    }
}
